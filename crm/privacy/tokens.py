"""Vault access tokens: short-lived, scoped JWTs (RFC 9068 shape, RFC 9396 authorization_details) via joserfc.

One token names one person, one data category, one purpose and one action; its lifetime follows the
category's sensitivity (taxonomy.yaml `token_lifetimes`). Every jti is recorded, so single-use tokens are
refused on replay, and every redemption asks the decision point again, so a consent withdrawn after issue
still stops the read (a self-contained JWT cannot otherwise be revoked before `exp`).
"""
from __future__ import annotations

import datetime as dt
import uuid

from joserfc import jwt
from joserfc.errors import BadSignatureError, DecodeError, ExpiredTokenError, JoseError
from joserfc.jwk import ECKey
from joserfc.jwt import JWTClaimsRegistry
from sqlalchemy.orm import Session

from crm.actor import AccessDenied
from crm.privacy import audit, pdp
from crm.privacy.models import VaultToken
from crm.privacy.taxonomy import Taxonomy, covers, default_taxonomy

ALGORITHM = "ES256"  # asymmetric: the CRM verifies with the vault's public key and cannot mint tokens
DETAIL_TYPE = "tessera_personal_data"


class TokenRefused(AccessDenied):
    """A vault token was not accepted; the message says why and what to do."""


def _epoch(moment: dt.datetime) -> int:
    return int(moment.replace(tzinfo=dt.timezone.utc).timestamp()) if moment.tzinfo is None else int(moment.timestamp())


class VaultTokens:
    def __init__(self, key: ECKey | None = None, *, issuer: str = "https://vault.tessera.local",
                 audience: str = "tessera-crm", taxonomy: Taxonomy | None = None):
        self.key = key or ECKey.generate_key("P-256", private=True)
        self.issuer, self.audience = issuer, audience
        self.taxonomy = taxonomy or default_taxonomy()

    def issue(self, session: Session, *, contact_id: int, category: str, purpose: str, client_id: str,
              now: dt.datetime, action: str = "read") -> str:
        """A token for `client_id` to `action` `category` of the person for `purpose`, if the PDP allows it."""
        decision = pdp.decide(session, contact_id, category, purpose, now, actor=client_id, taxonomy=self.taxonomy)
        if not decision.allowed:
            self._refuse(session, client_id, contact_id, category, purpose, now, f"not issued: {decision.reason}")
        life = self.taxonomy.token_lifetime(category)
        jti = str(uuid.uuid4())
        claims = {"iss": self.issuer, "aud": self.audience, "sub": f"contact:{contact_id}", "client_id": client_id,
                  "iat": _epoch(now), "exp": _epoch(now + life.delta), "jti": jti, "scope": f"vault:{action}",
                  "authorization_details": [{"type": DETAIL_TYPE, "actions": [action], "datatypes": [category],
                                             "identifier": f"contact:{contact_id}", "purpose": purpose,
                                             "single_use": life.single_use}]}
        token = jwt.encode({"alg": ALGORITHM, "typ": "at+jwt"}, claims, self.key, algorithms=[ALGORITHM])
        session.add(VaultToken(jti=jti, contact_id=contact_id, category=category, purpose=purpose, client_id=client_id,
                               issued_at=now.replace(tzinfo=None), expires_at=(now + life.delta).replace(tzinfo=None),
                               single_use=life.single_use))
        audit.append(session, event="token_issued", actor=client_id, at=now, contact_id=contact_id, category=category,
                     purpose=purpose, allowed=True, reason=f"jti {jti}, {life.seconds}s{', single use' if life.single_use else ''}")
        return token

    def redeem(self, session: Session, token: str, *, contact_id: int, category: str, now: dt.datetime,
               action: str = "read") -> dict:
        """The token's claims if it lets its holder `action` `category` of this person now; else TokenRefused.
        A refusal is audited and committed before it is raised, so the caller's rollback cannot lose it."""
        try:
            decoded = jwt.decode(token, self.key, algorithms=[ALGORITHM])
        except (BadSignatureError, DecodeError, JoseError, ValueError) as exc:
            self._refuse(session, "unknown", contact_id, category, "", now,
                         f"tampered or malformed token ({type(exc).__name__}); ask the vault for a new one")
        claims, client = decoded.claims, str(decoded.claims.get("client_id", "unknown"))
        if decoded.header.get("typ") != "at+jwt":
            self._refuse(session, client, contact_id, category, "", now, "not an access token (typ must be at+jwt)")
        registry = JWTClaimsRegistry(now=_epoch(now), iss={"essential": True, "value": self.issuer},
                                     aud={"essential": True, "value": self.audience},
                                     exp={"essential": True}, jti={"essential": True}, sub={"essential": True})
        try:
            registry.validate(claims)
        except ExpiredTokenError:
            self._refuse(session, client, contact_id, category, "", now,
                         f"token expired at {dt.datetime.fromtimestamp(claims['exp'], dt.timezone.utc):%Y-%m-%d %H:%M} UTC; "
                         "ask the vault for a new one")
        except JoseError as exc:
            self._refuse(session, client, contact_id, category, "", now, f"invalid claims: {exc}")
        detail = next((d for d in claims.get("authorization_details", []) if d.get("type") == DETAIL_TYPE), {})
        purpose = detail.get("purpose", "")
        if (detail.get("identifier") != f"contact:{contact_id}" or action not in detail.get("actions", [])
                or not any(covers(granted, category) for granted in detail.get("datatypes", []))):
            self._refuse(session, client, contact_id, category, purpose, now,
                         f"wrong scope: token allows {detail.get('actions')} on {detail.get('datatypes')} of "
                         f"{detail.get('identifier')}, not {action} on {category} of contact:{contact_id}")
        record = session.get(VaultToken, claims["jti"])
        if record is None:
            self._refuse(session, client, contact_id, category, purpose, now, "token was not issued by this vault")
        if record.single_use and record.used_at is not None:
            self._refuse(session, client, contact_id, category, purpose, now,
                         f"single-use token {record.jti} was already used at {record.used_at:%Y-%m-%d %H:%M:%S}")
        decision = pdp.decide(session, contact_id, category, purpose, now, actor=client, taxonomy=self.taxonomy)
        if not decision.allowed:
            self._refuse(session, client, contact_id, category, purpose, now, f"consent changed: {decision.reason}")
        if record.single_use:
            record.used_at = now.replace(tzinfo=None)
        audit.append(session, event="token_redeemed", actor=client, at=now, contact_id=contact_id, category=category,
                     purpose=purpose, allowed=True, reason=f"jti {record.jti}")
        return claims

    def _refuse(self, session: Session, client: str, contact_id: int, category: str, purpose: str,
                now: dt.datetime, reason: str) -> None:
        audit.append(session, event="token_refused", actor=client, at=now, contact_id=contact_id, category=category,
                     purpose=purpose, allowed=False, reason=reason)
        session.commit()
        raise TokenRefused(f"vault token refused: {reason}")
