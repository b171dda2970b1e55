"""Webhooks: a tenant's history events posted, signed, to the URLs its admin subscribed."""
