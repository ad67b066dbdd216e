"""Kaidian (开店): a multi-tenant platform for merchants' shops inside WeChat."""
