"""Live sessions, short videos, creators and affiliate commission (docs/creators.md). Above
aftersales: reacts to order and refund events to record and reverse commission."""

from clipshop.social import commission  # noqa: F401  (registers the event handlers)
