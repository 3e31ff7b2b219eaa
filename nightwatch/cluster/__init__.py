"""Nightwatch on a Ray cluster: cameras spread over nodes, singletons run once, one console.

Ray is imported in this package only. See docs/cluster.md.
"""
