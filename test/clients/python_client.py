"""Drives Quarry with the official Python MCP SDK: `python_client.py URL MODE` (MODE: legacy,
auto or a pinned revision such as 2026-07-28), or `python_client.py stdio MODE COMMAND ARGS...`
to start `quarry stdio` itself. Prints one JSON line the test reads."""

import asyncio
import json
import os
import sys

from mcp import StdioServerParameters
from mcp.client.client import Client


async def main(url: str, mode: str, command: list[str]) -> None:
    server = StdioServerParameters(command=command[0], args=command[1:], env=dict(os.environ)) if url == "stdio" else url
    async with Client(server, mode=mode) as client:
        tools = await client.list_tools()
        found = await client.call_tool("search", {"query": "disks run full", "mode": "lexical"})
        read = await client.read_resource("quarry://documents/py-disk")
        print(
            json.dumps(
                {
                    "protocolVersion": client.protocol_version,
                    "tools": sorted(t.name for t in tools.tools),
                    "hits": [h["id"] for h in (found.structured_content or {}).get("hits", [])],
                    "read": [getattr(c, "text", "") for c in read.contents],
                }
            )
        )


asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
