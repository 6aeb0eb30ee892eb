"""What every app shares and no app owns: domain errors, the request context, service helpers,
abstract models. It imports no other Nicat app (ARCHITECTURE.md, layer 0)."""
