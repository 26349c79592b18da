"""Federation: this hub trades with peer hubs. Each peer has a mirror account in the ledger;
hubs sign every message they send each other (keys, signing, client, endpoints); a member pays
a member of a peer through a two-phase protocol (transfers), and `reconcile` finishes whatever
a fault left between phases."""
