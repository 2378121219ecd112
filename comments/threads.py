"""An article's discussion: its approved comments, fetched in one query, as threads.

A comment its writer erased (``Comment.Status.ERASED``) keeps its place while a shown
reply is below it: an empty "removed comment" the replies still answer."""

from dataclasses import dataclass, field

from django.conf import settings

from .models import Comment

FIELDS = [
    "id",
    "parent_id",
    "name",
    "body_html",
    "anchor",
    "anchor_excerpt",
    "is_featured",
    "created_at",
    "status",
]


@dataclass(frozen=True)
class Shown:
    """What a page shows of an approved comment: plain values, cheap to load in bulk."""

    id: int
    parent_id: int | None
    name: str
    body_html: str
    anchor: str
    anchor_excerpt: str
    is_featured: bool
    created_at: object
    status: str = Comment.Status.APPROVED

    @property
    def is_erased(self) -> bool:
        return self.status == Comment.Status.ERASED

    @property
    def pk(self) -> str:
        # A string, so templates print it as is (numbers go through localisation).
        return str(self.id)


@dataclass(frozen=True)
class Entry:
    """A comment placed in its thread: how deep to show it and whom it answers."""

    comment: Shown
    depth: int
    reply_to: str = ""


@dataclass
class Discussion:
    count: int = 0
    threads: list[list[Entry]] = field(default_factory=list)
    anchor_counts: dict[str, int] = field(default_factory=dict)
    anchor_first: dict[str, int] = field(default_factory=dict)  # anchor → first comment id

    @classmethod
    def of(cls, article) -> "Discussion":
        shown = [Comment.Status.APPROVED, Comment.Status.ERASED]
        rows = (
            Comment.objects.filter(article=article, status__in=shown)
            .order_by("created_at", "pk")
            .values_list(*FIELDS)
        )
        return cls.build([Shown(*row) for row in rows])

    @staticmethod
    def holding(comments: list[Shown]) -> list[Shown]:
        """The shown comments, and the erased ones that still hold a shown reply."""
        by_id = {comment.id: comment for comment in comments}
        wanted = {comment.id for comment in comments if not comment.is_erased}
        for comment in comments:
            if comment.id in wanted:
                parent = by_id.get(comment.parent_id)
                while parent is not None and parent.id not in wanted:
                    wanted.add(parent.id)
                    parent = by_id.get(parent.parent_id)
        return [comment for comment in comments if comment.id in wanted]

    @classmethod
    def build(cls, comments: list[Shown]) -> "Discussion":
        comments = cls.holding(comments)
        by_id = {comment.id: comment for comment in comments}
        children: dict[int, list[Shown]] = {}
        roots = []
        anchor_counts: dict[str, int] = {}
        anchor_first: dict[str, int] = {}
        for comment in comments:
            if comment.anchor:
                anchor_counts[comment.anchor] = anchor_counts.get(comment.anchor, 0) + 1
                anchor_first.setdefault(comment.anchor, comment.id)
            if comment.parent_id in by_id:
                children.setdefault(comment.parent_id, []).append(comment)
            else:  # a root, or a reply whose parent is no longer shown
                roots.append(comment)
        # Editor's picks first, then the newest conversations.
        roots.sort(key=lambda c: (not c.is_featured, -c.created_at.timestamp(), -c.id))
        threads = [cls._flatten(root, children, by_id) for root in roots]
        return cls(
            count=sum(not comment.is_erased for comment in comments),
            threads=threads,
            anchor_counts=anchor_counts,
            anchor_first=anchor_first,
        )

    @staticmethod
    def _flatten(root, children, by_id) -> list[Entry]:
        """Depth-first, replies in order; past the cap, replies are shown flat."""
        max_depth = settings.COMMENTS_MAX_DEPTH
        entries, stack = [], [(root, 0)]
        while stack:
            comment, depth = stack.pop()
            parent = by_id.get(comment.parent_id)
            reply_to = ""
            if parent is not None and depth > max_depth:
                reply_to = "a removed comment" if parent.is_erased else parent.name
            entries.append(Entry(comment, min(depth, max_depth), reply_to))
            for child in reversed(children.get(comment.id, [])):
                stack.append((child, depth + 1))
        return entries

    def page(self, number: int = 1) -> list[list[Entry]]:
        per_page = settings.COMMENTS_THREADS_PER_PAGE
        return self.threads[(number - 1) * per_page : number * per_page]

    @property
    def has_more(self) -> bool:
        return len(self.threads) > settings.COMMENTS_THREADS_PER_PAGE
