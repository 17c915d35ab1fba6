"""The gRPC server: MLMD-compatible and mdstore.v1 servicers, error interceptor, app."""
