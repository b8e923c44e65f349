"""The regzone component provider plugin: serves RegulatedAiZone to TypeScript, Go, YAML, ... programs.

The CLI runs this file as `python <provider dir> <engine address> [flags]`; it prints the gRPC port
on the first line of stdout and serves GetSchema and Construct until the engine stops it.
"""
import sys

from components.zone_provider import serve

if __name__ == "__main__":
    serve(sys.argv[1:])
