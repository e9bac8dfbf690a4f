import type { Db } from 'mongodb';
import type { Cipher } from './crypto';
import { KommoBatchStore } from './kommo-batches';
import { KommoInboxStore } from './kommo-inbox';
import { KommoMirrorStore } from './kommo-mirrors';
import { KommoProgressStore } from './kommo-progress';
import { KommoStateStore } from './kommo-state';

/** The Kommo mirror's repositories. Every collection is read and written by _id: no index to create. */
export interface KommoStores {
  mirrors: KommoMirrorStore;
  inbox: KommoInboxStore;
  state: KommoStateStore;
  batches: KommoBatchStore;
  progress: KommoProgressStore;
}

export function kommoStores(db: Db, cipher: Cipher): KommoStores {
  return {
    mirrors: new KommoMirrorStore(db, cipher),
    inbox: new KommoInboxStore(db),
    state: new KommoStateStore(db),
    batches: new KommoBatchStore(db),
    progress: new KommoProgressStore(db),
  };
}
