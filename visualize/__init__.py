"""Flowcharts of the compiled decision graph, drawn with Graphviz."""
