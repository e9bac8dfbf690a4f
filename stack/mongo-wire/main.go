// switchyard-mongod: a MongoDB wire-protocol server for the local stack, FerretDB embedded on SQLite.
//
// FerretDB's own binary refuses to start when built with `go install` (its version file is generated at
// release time, not in the module), but the embeddable package skips that check, so the stack builds this
// small program instead. Data lives in SQLite files under -dir; it runs until SIGINT/SIGTERM.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log"
	"net/http"
	_ "net/http/pprof" // served only with -pprof
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	_ "modernc.org/sqlite" // the driver FerretDB itself uses; here for indexIDs
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dir := flag.String("dir", "./data", "directory for the SQLite databases")
	// The local stack favours speed: with WAL, synchronous=normal skips the fsync of every commit and can lose
	// only the last moments of writes on a power cut, never corrupt the files. Use -sync=full for durability.
	syncMode := flag.String("sync", "normal", "SQLite synchronous pragma: off, normal or full")
	pprofAddr := flag.String("pprof", "", "address for Go's pprof handlers (e.g. 127.0.0.1:6060); off when empty")
	flag.Parse()

	if *pprofAddr != "" {
		go func() { log.Printf("pprof: %v", http.ListenAndServe(*pprofAddr, nil)) }()
	}

	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatalf("cannot create data directory %s: %v", *dir, err)
	}

	removeEmptyDatabases(*dir)

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Handler:   "sqlite",
		SQLiteURL: "file:" + *dir + "/?_pragma=synchronous(" + *syncMode + ")",
	})
	if err != nil {
		log.Fatalf("cannot configure FerretDB: %v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	go indexIDs(ctx, *dir)

	log.Printf("switchyard-mongod listening on %s, data in %s", *listen, *dir)
	if err := f.Run(ctx); err != nil && ctx.Err() == nil {
		log.Fatalf("FerretDB stopped: %v", err)
	}
}

// indexIDs makes lookups by _id use an index.
//
// FerretDB 1.24's SQLite backend finds, updates and deletes by _id with `WHERE _ferretdb_sjson->'$._id' = ?`,
// but the unique index it creates on each collection table is on `_ferretdb_sjson->"_id"`: SQLite only uses an
// expression index for the very same expression, so every lookup by _id parses every document of the collection
// (measured: about 11 lookups-and-updates per second at 5,000 documents). This adds an index on the exact lookup
// expression to every collection table, checking the database files about once a second for new collections.
// FerretDB does not see these indexes (it keeps its own list in _ferretdb_collections); dropping a collection or
// database drops them with the table.
func indexIDs(ctx context.Context, dir string) {
	type sig struct{ size, mod int64 }
	seen := map[string]sig{}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.sqlite"))
		for _, f := range files {
			var s sig
			for _, part := range []string{f, f + "-wal"} {
				if st, err := os.Stat(part); err == nil {
					s.size += st.Size()
					s.mod += st.ModTime().UnixNano()
				}
			}
			if prev, ok := seen[f]; ok && prev == s {
				continue
			}
			if err := indexFile(ctx, f); err != nil {
				log.Printf("indexing _id in %s: %v (retried)", filepath.Base(f), err)
				continue
			}
			seen[f] = s
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// removeEmptyDatabases deletes database files that hold no table at all, before FerretDB opens them: it refuses to
// start on a file without its metadata table. Such a file holds no data (an earlier version of indexIDs could
// create one while a database was being dropped), so deleting it loses nothing.
func removeEmptyDatabases(dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.sqlite"))
	for _, f := range files {
		db, err := openExisting(f)
		if err != nil {
			continue
		}
		var tables int
		err = db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table'`).Scan(&tables)
		db.Close()
		if err != nil || tables > 0 {
			continue
		}
		for _, part := range []string{f, f + "-wal", f + "-shm"} {
			if err := os.Remove(part); err != nil && !os.IsNotExist(err) {
				log.Printf("cannot remove the empty database file %s: %v", part, err)
			}
		}
		log.Printf("removed %s: a database file without any table (FerretDB cannot open it)", filepath.Base(f))
	}
}

// openExisting opens a database file without ever creating it (mode=rw): a database dropped since the glob stays
// dropped (SQLite's default mode would create the file again, empty, and FerretDB then refuses to start on a
// database file without its metadata table).
func openExisting(file string) (*sql.DB, error) {
	return sql.Open("sqlite", "file:"+file+"?mode=rw&_pragma=busy_timeout(10000)")
}

func indexFile(ctx context.Context, file string) error {
	db, err := openExisting(file)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 10) != '_ferretdb_' AND substr(name, 1, 7) != 'sqlite_'`)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, name)
	}
	rows.Close()
	for _, t := range tables {
		index := strings.ReplaceAll(t, `"`, ``) + "_switchyard_id"
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, index, t)
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}
	}
	return nil
}
