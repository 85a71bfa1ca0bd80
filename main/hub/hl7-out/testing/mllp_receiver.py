"""Test receiver for OR Hub's outgoing HL7 feed: an MLLP server built on python3-hl7 (hl7.mllp)
that parses every message with python3-hl7's parser, prints it as one JSON line on stdout
(MSH-10 and, per OBX, fields 2-6, 11, 14 and 18) and answers AA. Its first line is
{"port": N}. usage: mllp_receiver.py [PORT] (0 or absent: a free port)."""
import asyncio
import json
import sys

import hl7
from hl7.mllp import start_hl7_server


def obx_rows(msg):
    rows = []
    for seg in msg:
        if str(seg[0]) != "OBX":
            continue
        get = lambda i: str(seg[i]) if len(seg) > i else ""
        rows.append({"type": get(2), "id": get(3), "hier": get(4), "value": get(5), "unit": get(6),
                     "status": get(11), "time": get(14), "device": get(18)})
    return rows


async def handle(reader, writer):
    try:
        while not writer.is_closing():
            msg = await reader.readmessage()
            line = {"control": str(msg.extract_field("MSH", 1, 10)), "type": str(msg.extract_field("MSH", 1, 9)),
                    "room": str(msg.extract_field("PV1", 1, 3)), "obx": obx_rows(msg)}
            print(json.dumps(line), flush=True)
            writer.writemessage(msg.create_ack("AA"))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = await start_hl7_server(handle, host="127.0.0.1", port=port, encoding="utf-8")
    print(json.dumps({"port": server.sockets[0].getsockname()[1]}), flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
