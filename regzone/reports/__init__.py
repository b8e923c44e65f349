"""Output formats of `regzone preview`: one module per format, each `render(result) -> str`."""
