"""gRPC for the contracts: the wire schema, the server and the remote client binding.

An app served by another process is reached through ``client.RemoteService`` (bound by
``<APP>_SERVICE_URL``); ``manage.py serve_grpc`` serves this process's contracts.
Nothing here imports a domain app: it works from ``contracts`` and the bindings.
"""
