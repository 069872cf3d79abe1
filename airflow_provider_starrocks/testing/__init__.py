"""Experimental local StarRocks stack (FE emulator over the MySQL protocol, moto S3/STS/Glue) for tests."""

from __future__ import annotations
