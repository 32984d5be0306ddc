"""THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256 §3), and the thread-list syntax of the response.

Owns the two algorithms over the rows the store gives (Message-ID, In-Reply-To, References, base subject, sent
date): ORDEREDSUBJECT groups by base subject under the earliest message; REFERENCES links messages through their
references without loops, prunes empty containers, sorts by sent date (ties by UID) and gathers roots that share a
base subject. Pure: never touches the store or a socket.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from mailserver.store.imap_records import ThreadRow


@dataclass(eq=False)
class Node:
    """A message (`row`) or an empty container, with its children in order."""

    row: ThreadRow | None = None
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)

    def adopt(self, child: Node) -> None:
        if child.parent is not None:
            child.parent.children.remove(child)
        child.parent = self
        self.children.append(child)

    def is_ancestor_of(self, other: Node) -> bool:
        node: Node | None = other
        while node is not None:
            if node is self:
                return True
            node = node.parent
        return False

    def sort_key(self) -> tuple[datetime, int]:
        """Sent date then UID; an empty container sorts as its first child (RFC 5256 §3 REFERENCES step 5)."""
        if self.row is not None:
            return self.row.sent_at, self.row.uid
        return self.children[0].sort_key()


def ordered_subject(rows: Iterable[ThreadRow]) -> list[Node]:
    """RFC 5256 §3 ORDEREDSUBJECT: by base subject, then sent date; each group hangs under its first message."""
    roots: dict[str, Node] = {}
    for row in sorted(rows, key=lambda r: (r.base_subject, r.sent_at, r.uid)):
        root = roots.get(row.base_subject)
        if root is None:
            roots[row.base_subject] = Node(row)
        else:
            root.adopt(Node(row))
    return sorted(roots.values(), key=Node.sort_key)


def references(rows: Iterable[ThreadRow]) -> list[Node]:
    """RFC 5256 §3 REFERENCES."""
    table: dict[str, Node] = {}
    for row in rows:
        node = _container(table, row)
        refs = list(row.references) or ([row.in_reply_to] if row.in_reply_to else [])
        previous: Node | None = None
        for ref in (_key(r) for r in refs):
            current = table.setdefault(ref, Node())
            if previous is not None and current.parent is None and not current.is_ancestor_of(previous):
                previous.adopt(current)  # step 1.B: an existing link is kept, no loop is made
            previous = current
        if node.parent is not None:  # step 1.C: this message's own references win over a truncated chain
            node.parent.children.remove(node)
            node.parent = None
        if previous is not None and not node.is_ancestor_of(previous):
            previous.adopt(node)
    roots = _prune([n for n in table.values() if n.parent is None], top=True)
    _sort(roots)
    roots = _gather_subjects(roots)
    _sort(roots)
    return roots


def _key(message_id: str) -> str:
    return message_id.strip().strip("<>").strip()


def _container(table: dict[str, Node], row: ThreadRow) -> Node:
    key = _key(row.message_id or "")
    node = table.get(key) if key else None
    if node is None or node.row is not None:  # no id, or a duplicate id: a message of its own
        node = Node(row)
        table[key if key and key not in table else f"\x00{row.uid}"] = node
    else:
        node.row = row
    return node


def _prune(level: list[Node], *, top: bool) -> list[Node]:
    """Step 4: empty containers go; their children move up, but to the top level only if there is one."""
    out: list[Node] = []
    for node in level:
        node.children = _prune(node.children, top=False)
        for child in node.children:
            child.parent = node
        if node.row is not None:
            out.append(node)
        elif not node.children:
            continue
        elif not top or len(node.children) == 1:
            for child in node.children:
                child.parent = node.parent
            out.extend(node.children)
        else:
            out.append(node)
    if top:
        for node in out:
            node.parent = None
    return out


def _sort(level: list[Node]) -> None:
    """Step 7: every set of siblings by sent date, deepest first."""
    for node in level:
        _sort(node.children)
    level.sort(key=Node.sort_key)


def _subject_of(node: Node) -> ThreadRow:
    return node.row if node.row is not None else node.children[0].row  # type: ignore[return-value]


def _gather_subjects(roots: list[Node]) -> list[Node]:
    """Step 6: roots sharing a base subject are put together."""
    table: dict[str, Node] = {}
    for root in roots:
        row = _subject_of(root)
        if not row.base_subject:
            continue
        held = table.get(row.base_subject)
        if held is None or _prefer(root, held):
            table[row.base_subject] = root
    out: list[Node] = []
    replaced: dict[int, Node] = {}
    for root in roots:
        row = _subject_of(root)
        held = table.get(row.base_subject) if row.base_subject else None
        if held is None or held is root:
            out.append(root)
            continue
        target = replaced.get(id(held), held)
        _merge(target, root, row, replaced, held)
    return [replaced.get(id(n), n) for n in out]


def _prefer(candidate: Node, held: Node) -> bool:
    """Step 6.A: an empty container wins over a message, a non-reply over a reply."""
    if held.row is None:
        return False
    if candidate.row is None:
        return True
    return held.row.subject_is_reply and not candidate.row.subject_is_reply


def _merge(held: Node, root: Node, row: ThreadRow, replaced: dict[int, Node], key: Node) -> None:
    if held.row is None and root.row is None:
        for child in list(root.children):
            held.adopt(child)
    elif held.row is None:
        held.adopt(root)
    elif root.row is None:  # cannot happen: an empty container is preferred in the table
        root.adopt(held)
    elif not held.row.subject_is_reply and row.subject_is_reply:
        held.adopt(root)
    else:  # both replies or neither: siblings under a new empty container
        holder = Node()
        holder.adopt(held)
        holder.adopt(root)
        replaced[id(key)] = holder


def render(roots: list[Node], number: Callable[[int], int]) -> bytes:
    """The THREAD response's thread lists (RFC 5256 §4), message numbers by `number(uid)`."""
    return b"".join(b"(" + _members(root, number) + b")" for root in roots)


def _members(node: Node, number: Callable[[int], int]) -> bytes:
    if node.row is None:  # an empty container at the top: only its children's threads
        return b"".join(b"(" + _members(child, number) + b")" for child in node.children)
    text = b"%d" % number(node.row.uid)
    while len(node.children) == 1:
        node = node.children[0]
        assert node.row is not None
        text += b" %d" % number(node.row.uid)
    if node.children:
        text += b" " + b"".join(b"(" + _members(child, number) + b")" for child in node.children)
    return text
