"""Faithful fakes of the platforms, for tests, benchmarks and the demo.

``core`` has the request/response model, routing, recording and fault injection every platform
sandbox shares; ``ratelimit`` the platforms' limiters; ``webhooks`` outgoing deliveries with
retries and chaos knobs; ``seed`` realistic catalogs; ``transport`` serves a sandbox to httpx
in-process; ``views`` serves it over HTTP under /sandbox/<platform>/ when SANDBOX_ENABLED.
"""
