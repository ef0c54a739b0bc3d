"""A small producer for the Provability Fabric, on Debian's python3-confluent-kafka, python3-jwt and
python3-avro.

It encodes requests with the published, self-contained schemas (schemas/published/*.avsc) in either
wire format the fabric reads:

* single-object (the default): C3 01, the schema's CRC-64-AVRO fingerprint (little-endian, taken from
  schemas/published/fingerprints.json), then the Avro binary body;
* registry: 00, the schema id (4 bytes, big-endian) a Confluent-compatible schema registry gives the
  schema under its subject, then the same body.

It mints capability tokens as JWTs signed with EdDSA (Ed25519), which the fabric accepts in a plan's
subject.token_jws field when the signing key is among its trusted issuers (for example through a JWKS
file: kernel.trusted.jwks.file).
"""

import io
import json
import struct
import time
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timezone
from pathlib import Path

import avro.io
import avro.schema
import jwt
from confluent_kafka import Consumer, Producer, TopicPartition

SINGLE_OBJECT_MAGIC = b"\xc3\x01"
REGISTRY_MAGIC = b"\x00"
DEFAULT_SCHEMAS = Path(__file__).resolve().parents[2] / "schemas" / "published"


class PublishedSchemas:
    """The published schemas of one folder: parsed schemas and their fingerprints, by simple name."""

    def __init__(self, folder=DEFAULT_SCHEMAS):
        self.folder = Path(folder)
        entries = json.loads((self.folder / "fingerprints.json").read_text(encoding="utf-8"))
        self._current = {e["name"].rsplit(".", 1)[1]: e for e in entries if e["current"]}
        self._by_fingerprint = {e["crc64_avro"]: e for e in entries}
        self._parsed = {}

    def schema(self, name):
        """The parsed current schema of a record, e.g. 'PlanRequest'."""
        if name not in self._parsed:
            text = (self.folder / self._current[name]["file"]).read_text(encoding="utf-8")
            self._parsed[name] = avro.schema.parse(text)
        return self._parsed[name]

    def schema_text(self, name):
        return (self.folder / self._current[name]["file"]).read_text(encoding="utf-8")

    def full_name(self, name):
        return self._current[name]["name"]

    def single_object_header(self, name):
        return bytes.fromhex(self._current[name]["single_object_header"])

    def crc64(self, name):
        return self._current[name]["crc64_avro"]


class RegistryIds:
    """Schema ids from a Confluent-compatible registry (Apicurio: .../apis/ccompat/v7), looked up once."""

    def __init__(self, url, timeout=10):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._ids = {}

    def id_of(self, subject, schema_text):
        key = (subject, schema_text)
        if key not in self._ids:
            body = json.dumps({"schemaType": "AVRO", "schema": json.dumps(json.loads(schema_text))}).encode()
            request = urllib.request.Request(
                self.url + "/subjects/" + urllib.parse.quote(subject, safe=""), data=body, method="POST",
                headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                self._ids[key] = json.loads(answer.read())["id"]
        return self._ids[key]


def avro_body(schema, record):
    """The Avro binary encoding of a record (a dict) under a parsed schema."""
    out = io.BytesIO()
    avro.io.DatumWriter(schema).write(record, avro.io.BinaryEncoder(out))
    return out.getvalue()


def encode(schemas, name, record, registry=None, subject=None):
    """A record framed for a topic: single-object encoding, or the registry format when a registry is given.

    The requests topic carries three record types, so its registry subject is the record's full name
    (RecordNameStrategy), which is the default here.
    """
    body = avro_body(schemas.schema(name), record)
    if registry is None:
        return schemas.single_object_header(name) + body
    schema_id = registry.id_of(subject or schemas.full_name(name), schemas.schema_text(name))
    return REGISTRY_MAGIC + struct.pack(">I", schema_id) + body


def decode_decision(schemas, value, registry_ids=None):
    """Decodes a Decision value in either format; registry_ids maps ids to 'Decision' when known."""
    if value[:2] == SINGLE_OBJECT_MAGIC:
        if value[:10] != schemas.single_object_header("Decision"):
            raise ValueError("decision written with another schema: header " + value[:10].hex())
        body = value[10:]
    elif value[:1] == REGISTRY_MAGIC and len(value) >= 5:
        body = value[5:]
    else:
        raise ValueError("not a fabric decision: starts with " + value[:2].hex())
    schema = schemas.schema("Decision")
    return avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(io.BytesIO(body)))


def mint_token(private_key_pem, kid, tenant, subject, capabilities, valid_for=3600, issuer="python-example",
               now=None):
    """A capability token as a JWT signed with EdDSA.

    capabilities: [{"name": ..., "effect": "READ|WRITE|SEND|EXECUTE", "resources": [glob, ...]}, ...]
    """
    now = int(now if now is not None else time.time())
    claims = {
        "jti": str(uuid.uuid4()),
        "iss": issuer,
        "sub": subject,
        "tenant": tenant,
        "caps": capabilities,
        "iat": now,
        "nbf": now,
        "exp": now + valid_for,
    }
    return jwt.encode(claims, private_key_pem, algorithm="EdDSA", headers={"kid": kid, "typ": "JWT"})


def plan_request(tenant, subject, token_jws, steps, request_id=None, session_id=None, ttl_seconds=300):
    """A PlanRequest as a dict for the published schema; steps: [(tool, capability, effect, resource)]."""
    now = datetime.now(timezone.utc)
    system_hash = "0" * 64
    return {
        "request_id": request_id or "py-" + uuid.uuid4().hex,
        "session_id": session_id or "py-session-" + uuid.uuid4().hex[:8],
        "requested_at": now,
        "plan_id": "plan-" + uuid.uuid4().hex[:8],
        "tenant": tenant,
        "subject": {"id": subject, "token": None, "caps": [], "token_jws": token_jws},
        "steps": [{
            "tool": tool, "args": {}, "caps_required": [cap], "resource": resource, "effect": effect,
            "labels_in": [], "labels_out": [], "receipts": [],
        } for tool, cap, effect, resource in steps],
        "input_channels": {
            "system": {"hash": system_hash, "policy_hash": system_hash},
            "user": {"content_hash": system_hash, "quoted": True},
            "retrieved": [], "file": [],
        },
        "constraints": {"budget": 1.0, "pii": False, "dp_epsilon": 0.1, "dp_delta": 1e-6, "latency_max": 30.0},
        "system_prompt_hash": system_hash,
        "created_at": now,
        "expires_at": datetime.fromtimestamp(now.timestamp() + ttl_seconds, timezone.utc),
    }


class FabricClient:
    """Produces requests and waits for their decisions (request-reply over two topics)."""

    def __init__(self, bootstrap, schemas=None, registry_url=None, requests_topic="fabric.requests",
                 decisions_topic="fabric.decisions"):
        self.schemas = schemas or PublishedSchemas()
        self.registry = RegistryIds(registry_url) if registry_url else None
        self.requests_topic = requests_topic
        self.decisions_topic = decisions_topic
        self.producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True})
        self.consumer = Consumer({
            "bootstrap.servers": bootstrap, "group.id": "py-client-" + uuid.uuid4().hex,
            "enable.auto.commit": False, "isolation.level": "read_committed",
        })
        self._positioned = False

    def _position_at_end(self):
        """Reads decisions from the current end of every partition: only replies to what is sent next."""
        metadata = self.consumer.list_topics(self.decisions_topic, timeout=10)
        topic = metadata.topics.get(self.decisions_topic)
        if topic is None or topic.error is not None:
            raise RuntimeError("topic " + self.decisions_topic + " is not available")
        partitions = []
        for p in topic.partitions:
            _, high = self.consumer.get_watermark_offsets(TopicPartition(self.decisions_topic, p), timeout=10)
            partitions.append(TopicPartition(self.decisions_topic, p, high))
        self.consumer.assign(partitions)
        self._positioned = True

    def send_plan(self, plan):
        """Produces a plan (key: its session id) and waits until the broker has it."""
        if not self._positioned:
            self._position_at_end()
        value = encode(self.schemas, "PlanRequest", plan, self.registry)
        errors = []
        self.producer.produce(self.requests_topic, key=plan["session_id"].encode(), value=value,
                              on_delivery=lambda err, msg: err and errors.append(err))
        self.producer.flush(30)
        if errors:
            raise RuntimeError("produce failed: " + str(errors[0]))

    def await_decision(self, request_id, timeout=60):
        """The decision with this request id, as a dict, or None when none came within the timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self.consumer.poll(1.0)
            if message is None or message.error() is not None:
                continue
            decision = decode_decision(self.schemas, message.value())
            if decision["request_id"] == request_id:
                return decision
        return None

    def close(self):
        self.consumer.close()
        self.producer.flush(10)
