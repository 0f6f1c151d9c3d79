# edit: residual FakeConnection@4 helpers.fakes:Connection[close]
import asyncio

class FakeConnection:
	"""Tabs stay tabs."""

	def send(self):
		return 1

	async def close(self):
		await asyncio.sleep(0)
# output
# edit: residual FakeConnection@4 helpers.fakes:Connection[close]
import asyncio
from helpers.fakes import Connection

class FakeConnection(Connection):
	"""Tabs stay tabs."""

	async def close(self):
		await asyncio.sleep(0)
