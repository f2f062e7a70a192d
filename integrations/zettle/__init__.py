"""Zettle (PayPal Zettle, formerly iZettle): a POS whose API is spread over several hosts.

``client`` talks to oauth/products/inventory/purchase/pusher; ``mapping`` turns Zettle JSON into
hub DTOs and back; ``webhooks`` verifies and parses Pusher deliveries; ``sandbox`` is the fake.
"""
