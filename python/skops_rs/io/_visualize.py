"""Tree view of a `.skops` file, printed the way ``skops.io.visualize`` prints it.

The walk over the file (which node sits where, and whether it is trusted) is done by the
native module; this module only turns the flat list of nodes it returns into text. The text is
the same as skops 0.16's: plain ``├──``/``└──`` lines when ``rich`` is not installed, a
``rich.tree.Tree`` with colour markup when it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["NodeInfo", "pretty_print_tree"]

Show = Literal["all", "untrusted", "trusted"]


@dataclass
class NodeInfo:
    """One node of the tree, as the sink of :func:`~skops_rs.io.visualize` receives it.

    Attributes
    ----------
    level : int
        Nesting depth; the root has level 0.
    key : str
        Where the node sits in its parent (an attribute name, a dict key, ``"content"``...);
        ``"root"`` for the root.
    val : str
        What the node is, e.g. ``"builtins.list"`` or ``"json-type(3)"``.
    is_self_safe : bool
        Whether the node's own type is trusted.
    is_safe : bool
        Whether the node and every node below it are trusted.
    is_last : bool
        Whether the node is the last child of its parent.
    """

    level: int
    key: str
    val: str
    is_self_safe: bool
    is_safe: bool
    is_last: bool


def _rich_is_installed() -> bool:
    """Whether ``rich`` can be imported now.

    Tried by importing it, as skops does (``try: import rich except ImportError``), so an
    installed ``rich`` whose import fails counts as absent, as it does for skops.
    """
    try:
        import rich.console  # type: ignore[import-not-found,unused-ignore]
        import rich.tree  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
    except ImportError:
        return False
    return True


def _check_visibility(is_self_safe: bool, is_safe: bool, show: Show) -> bool:
    """Whether a node is printed for this value of ``show`` (the root always is)."""
    if show == "all":
        return True
    if show == "untrusted":
        return not is_safe
    # Anything else means "trusted", as in skops (which does not validate `show` either).
    return is_self_safe


def _get_node_label(
    node: NodeInfo,
    tag_safe: str = "",
    tag_unsafe: str = "[UNSAFE]",
    use_colors: bool = True,
    color_safe: str = "cyan",
    color_unsafe: str = "orange1",
    color_child_unsafe: str = "magenta",
) -> str:
    """The text after ``key: ``: the value, its trust tag, and rich colour markup if wanted."""
    if use_colors and not _rich_is_installed():
        use_colors = False

    label = node.val
    tag = tag_safe if node.is_self_safe else tag_unsafe
    if tag:
        label += f" {tag}"

    if use_colors:
        if node.is_safe:
            style = color_safe
        elif node.is_self_safe:
            style = color_child_unsafe
        else:
            style = color_unsafe
        label = f"[{style}]{label}[/{style}]"
    return label


def _traverse_tree(
    nodes_iter: Iterator[NodeInfo], show: Show, **kwargs: Any
) -> Iterator[tuple[NodeInfo, str, int, bool]]:
    """Yield (node, label, level difference to the previous printed node, is root)."""
    root = next(nodes_iter)
    yield root, _get_node_label(root, **kwargs), 0, True
    prev_level = root.level

    for node in nodes_iter:
        if not _check_visibility(node.is_self_safe, node.is_safe, show=show):
            continue
        level_diff = prev_level - node.level
        if level_diff < -1:
            # A grandchild right after its grandparent: the walk skipped a level.
            raise ValueError(
                "While constructing the tree of the object, a level difference of "
                f"{level_diff} was encountered, which should not be possible, please "
                "report the issue here: https://github.com/skops-dev/skops/issues"
            )
        yield node, _get_node_label(node, **kwargs), level_diff, False
        prev_level = node.level


def pretty_print_tree(nodes_iter: Iterator[NodeInfo], show: Show, **kwargs: Any) -> None:
    """Print the nodes as a tree, the default sink of :func:`~skops_rs.io.visualize`.

    Parameters
    ----------
    nodes_iter : iterator of NodeInfo
        The nodes, depth first, root first.
    show : {"all", "untrusted", "trusted"}
        Print every node, only nodes that are or contain something untrusted, or only nodes
        whose own type is trusted. The root is always printed.
    **kwargs
        Passed on to the label maker: ``tag_safe`` (default ``""``), ``tag_unsafe`` (default
        ``"[UNSAFE]"``), ``use_colors`` (default True, only has an effect if ``rich`` is
        installed), ``color_safe`` (default ``"cyan"``), ``color_unsafe`` (default
        ``"orange1"``) and ``color_child_unsafe`` (default ``"magenta"``).
    """
    if _rich_is_installed():
        _print_rich(nodes_iter, show, **kwargs)
    else:
        _print_plain(nodes_iter, show, **kwargs)


def _print_rich(nodes_iter: Iterator[NodeInfo], show: Show, **kwargs: Any) -> None:
    from rich.console import Console  # type: ignore[import-not-found,unused-ignore]
    from rich.tree import Tree  # type: ignore[import-not-found,unused-ignore]

    tree = None
    trees: dict[int, Tree] = {}
    for node, label, _, is_root in _traverse_tree(nodes_iter, show, **kwargs):
        if is_root:
            tree = Tree(f"{node.key}: {label}", guide_style="gray50")
            trees = {0: tree}
            continue
        trees[node.level] = trees[node.level - 1].add(f"{node.key}: {label}")
    Console().print(tree)


def _print_plain(nodes_iter: Iterator[NodeInfo], show: Show, **kwargs: Any) -> None:
    prefix = ""
    for node, label, level_diff, is_root in _traverse_tree(nodes_iter, show, **kwargs):
        if is_root:
            print(f"{node.key}: {label}")
            continue
        # A child of the previous node (level_diff == -1) keeps the prefix; a sibling drops one
        # level of it, and each level further up drops one more.
        for _ in range(level_diff + 1):
            prefix = prefix[:-4]
        if node.is_last:
            print(f"{prefix}└── {node.key}: {label}")
            prefix += "    "
        else:
            print(f"{prefix}├── {node.key}: {label}")
            prefix += "│   "
