"""A software passkey device for tests: answers the portal's WebAuthn options as a browser and
an authenticator would (P-256 key, "none" attestation), so the server's checks run on real
signatures without a browser. tests/e2e/ uses chromium's virtual authenticator instead."""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import struct

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import bytes_to_base64url

ORIGIN = "http://localhost:5000"
_OPTIONS = re.compile(r'data-passkey-options="([^"]+)"')

FLAG_USER_PRESENT = 0x01
FLAG_USER_VERIFIED = 0x04
FLAG_ATTESTED_DATA = 0x40


def options_in(page: str) -> str:
    """The WebAuthn options a staff page hands to passkeys.js."""
    match = _OPTIONS.search(page)
    assert match, "page has no passkey options"
    return html.unescape(match[1])


class SoftDevice:
    """One authenticator holding one credential."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = 0

    @property
    def id(self) -> str:
        """The credential id as the browser reports it."""
        return bytes_to_base64url(self.credential_id)

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,  # kty: EC2
                3: -7,  # alg: ES256
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
        ).encode()

    def create(self, options_json: str, origin: str = ORIGIN) -> str:
        """The browser's answer to navigator.credentials.create() with these options."""
        options = json.loads(options_json)
        rp_hash = hashlib.sha256(options["rp"]["id"].encode()).digest()
        flags = FLAG_USER_PRESENT | FLAG_USER_VERIFIED | FLAG_ATTESTED_DATA
        auth_data = (
            rp_hash
            + bytes([flags])
            + struct.pack(">I", self.sign_count)
            + bytes(16)  # AAGUID
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self._cose_key()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        return json.dumps(
            {
                "id": self.id,
                "rawId": self.id,
                "type": "public-key",
                "response": {
                    "clientDataJSON": bytes_to_base64url(client_data),
                    "attestationObject": bytes_to_base64url(attestation),
                    "transports": ["internal"],
                },
                "clientExtensionResults": {},
            }
        )

    def get(self, options_json: str, origin: str = ORIGIN, rp_id: str | None = None) -> str:
        """The browser's answer to navigator.credentials.get() with these options (it signs
        even when its credential is not among those allowed: the server must refuse it)."""
        options = json.loads(options_json)
        self.sign_count += 1
        rp_hash = hashlib.sha256((rp_id or options["rpId"]).encode()).digest()
        auth_data = (
            rp_hash
            + bytes([FLAG_USER_PRESENT | FLAG_USER_VERIFIED])
            + struct.pack(">I", self.sign_count)
        )
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return json.dumps(
            {
                "id": self.id,
                "rawId": self.id,
                "type": "public-key",
                "response": {
                    "clientDataJSON": bytes_to_base64url(client_data),
                    "authenticatorData": bytes_to_base64url(auth_data),
                    "signature": bytes_to_base64url(signature),
                },
                "clientExtensionResults": {},
            }
        )
