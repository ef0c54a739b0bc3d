#!/usr/bin/python3
"""Mints a JWT capability token with a development key, produces a plan and prints its decision.

  /usr/bin/python3 clients/python/example.py keygen --key DIR/dev-key.pem --jwks DIR/dev-jwks.json
  ./fabric run ... --set kernel.trusted.jwks.file=DIR/dev-jwks.json     (the instance trusts the key)
  /usr/bin/python3 clients/python/example.py plan --bootstrap 127.0.0.1:9092 --key DIR/dev-key.pem

Exit code 0 when the plan was allowed, 1 when it was denied, 2 when no decision came in time.
The development key is for trying the fabric out; an issuer's real key never leaves the issuer.
"""

import argparse
import base64
import json
import os
import sys
from datetime import datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fabric_producer  # noqa: E402


def keygen(args):
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(args.key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    x = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwks = {"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": args.kid, "use": "sig", "alg": "EdDSA",
                      "x": base64.urlsafe_b64encode(x).rstrip(b"=").decode()}]}
    with open(args.jwks, "w", encoding="utf-8") as f:
        json.dump(jwks, f, indent=2)
    print("wrote", args.key, "and", args.jwks, "(kid " + args.kid + ")")
    return 0


def plan(args):
    with open(args.key, "rb") as f:
        private_pem = f.read()
    token = fabric_producer.mint_token(
        private_pem, args.kid, args.tenant, args.subject,
        [{"name": "read_docs", "effect": "READ", "resources": [args.tenant + "/docs/**"]}])
    request = fabric_producer.plan_request(
        args.tenant, args.subject, token,
        [("search", "read_docs", "READ", args.tenant + "/docs/handbook/intro")])
    client = fabric_producer.FabricClient(args.bootstrap, registry_url=args.registry,
                                          requests_topic=args.requests_topic, decisions_topic=args.decisions_topic)
    try:
        client.send_plan(request)
        print("produced plan", request["request_id"], "with a JWS token (kid " + args.kid + ")",
              "in the", "registry" if args.registry else "single-object", "format")
        decision = client.await_decision(request["request_id"], timeout=args.timeout)
    finally:
        client.close()
    if decision is None:
        print("no decision for", request["request_id"], "within", args.timeout, "s", file=sys.stderr)
        return 2
    printable = {k: (v.isoformat() if isinstance(v, datetime) else v.hex() if isinstance(v, bytes) else v)
                 for k, v in decision.items()}
    print(json.dumps(printable, indent=2, default=str))
    return 0 if decision["verdict"] == "ALLOW" else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    k = sub.add_parser("keygen", help="write a development Ed25519 key (PEM) and its JWKS")
    k.add_argument("--key", required=True)
    k.add_argument("--jwks", required=True)
    k.add_argument("--kid", default="python-dev-1")
    p = sub.add_parser("plan", help="produce a plan with a JWT token and print its decision")
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--kid", default="python-dev-1")
    p.add_argument("--tenant", default="acme")
    p.add_argument("--subject", default="agent-py")
    p.add_argument("--registry", help="schema registry API root: use the registry wire format")
    p.add_argument("--requests-topic", default="fabric.requests")
    p.add_argument("--decisions-topic", default="fabric.decisions")
    p.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    return keygen(args) if args.command == "keygen" else plan(args)


if __name__ == "__main__":
    sys.exit(main())
