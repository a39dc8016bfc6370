"""Newsletter models: subscribers and consent, issues and editions, deliveries."""

from .deliveries import Delivery, Edition
from .issues import Issue, IssueItem, NewsItem
from .subscribers import ConsentEvent, ConsentText, Subscriber, Suppression

__all__ = [
    "ConsentEvent",
    "ConsentText",
    "Delivery",
    "Edition",
    "Issue",
    "IssueItem",
    "NewsItem",
    "Subscriber",
    "Suppression",
]
