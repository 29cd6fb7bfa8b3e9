#!/usr/bin/python3
"""The crawler of examples/crawler.cpp, in asyncio + aiohttp (the peer of the crawl benchmark):
crawl_aiohttp.py [--uvloop] [--concurrency N] [--timeout-ms T] URL...  (or --urls-from FILE)
Prints one line per URL in input order (URL STATUS BYTES MS, or URL error: MESSAGE), then a
summary; exits 0 when every fetch got a response below 400."""
import argparse
import asyncio
import sys
import time

import aiohttp


async def fetch(session, sem, url):
    async with sem:
        start = time.monotonic()
        try:
            async with session.get(url) as r:
                body = await r.read()
                ms = int((time.monotonic() - start) * 1000)
                return f"{url} {r.status} {len(body)} {ms}", r.status < 400, len(body)
        except Exception as e:  # aiohttp.ClientError, asyncio.TimeoutError
            return f"{url} error: {e!r}", False, 0


async def crawl(urls, concurrency, timeout_ms):
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    timeout = aiohttp.ClientTimeout(total=timeout_ms / 1000)
    start = time.monotonic()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        sem = asyncio.Semaphore(concurrency)
        results = await asyncio.gather(*(fetch(session, sem, u) for u in urls))
    ms = int((time.monotonic() - start) * 1000)
    failed = sum(1 for _, ok, _ in results if not ok)
    out = [line for line, _, _ in results]
    out.append(f"{len(urls)} URLs, {len(urls) - failed} ok, {failed} failed, "
               f"{sum(n for _, _, n in results)} bytes in {ms} ms")
    print("\n".join(out))
    return 0 if failed == 0 else 1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--timeout-ms", type=int, default=10000)
    p.add_argument("--uvloop", action="store_true")
    p.add_argument("--urls-from")
    p.add_argument("url", nargs="*")
    a = p.parse_args()
    urls = a.url + (open(a.urls_from).read().split() if a.urls_from else [])
    if a.uvloop:
        import uvloop
        uvloop.install()
    sys.exit(asyncio.run(crawl(urls, a.concurrency, a.timeout_ms)))


if __name__ == "__main__":
    main()
