// switchyard-mongod: a MongoDB wire-protocol server for the local stack, FerretDB embedded on SQLite.
//
// FerretDB's own binary refuses to start when built with `go install` (its version file is generated at
// release time, not in the module), but the embeddable package skips that check, so the stack builds this
// small program instead. Data lives in SQLite files under -dir; it runs until SIGINT/SIGTERM.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dir := flag.String("dir", "./data", "directory for the SQLite databases")
	// The local stack favours speed: with WAL, synchronous=normal skips the fsync of every commit and can lose
	// only the last moments of writes on a power cut, never corrupt the files. Use -sync=full for durability.
	syncMode := flag.String("sync", "normal", "SQLite synchronous pragma: off, normal or full")
	flag.Parse()

	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatalf("cannot create data directory %s: %v", *dir, err)
	}

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

	log.Printf("switchyard-mongod listening on %s, data in %s", *listen, *dir)
	if err := f.Run(ctx); err != nil && ctx.Err() == nil {
		log.Fatalf("FerretDB stopped: %v", err)
	}
}
