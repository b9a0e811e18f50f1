"""The TikTok-Shop-compatible seller API's services: apps, authorizations, tokens, request
signing, its error codes and paging (docs/tiktok-api.md). No HTTP here: the routers are in
``api/partner``."""
