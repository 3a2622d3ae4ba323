"""The published interfaces between Shop's apps.

One module per domain: the service Protocol, the data passed across (frozen
dataclasses and enums), the errors a caller must handle and the events the domain
publishes. Standard library only, so that any app can be extracted as a service
and this package shipped as its client's interface.
"""
