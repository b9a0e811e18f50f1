"""Live sessions, short videos, creators and affiliate commission (docs/creators.md). Above
aftersales: reacts to order and refund events to record and reverse commission."""
