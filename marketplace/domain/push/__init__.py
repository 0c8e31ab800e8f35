"""Web Push: a second channel to a spectator who asked for it (alerts, followed venues,
waiting-list offers), with e-mail as the fallback. `notify` is the one entry point."""
