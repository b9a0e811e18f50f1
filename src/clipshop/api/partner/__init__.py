"""The TikTok-Shop-compatible seller API, mounted at the origin's root (docs/tiktok-api.md):
the envelope, the protocol checks every route depends on, and the routers."""
