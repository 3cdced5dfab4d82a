"""WeCom's message API: active sends with a cached access token that is refreshed before and when it expires."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import httpx

log = logging.getLogger("tessera.channels.wecom")
API = "https://qyapi.weixin.qq.com/cgi-bin/"
TOKEN_EXPIRED = {40001, 40014, 42001}  # invalid credential, invalid token, token expired
EARLY_REFRESH_SECONDS = 300


class WeComError(RuntimeError):
    def __init__(self, errcode: int, errmsg: str, path: str):
        self.errcode = errcode
        super().__init__(f"WeCom {path} failed: {errcode} {errmsg}")


class WeComClient:
    """One app (CorpID + Secret + AgentId). The token is shared by threads and fetched again only when needed."""

    def __init__(self, corp_id: str, secret: str, agent_id: str | int, *, base_url: str = API,
                 http: httpx.Client | None = None, clock: Callable[[], float] = time.monotonic):
        self.corp_id, self.secret, self.agent_id = corp_id, secret, int(agent_id)
        self.http = http or httpx.Client(base_url=base_url, timeout=10.0)
        self.clock = clock
        self._token, self._expires_at = "", 0.0
        self._lock = threading.Lock()

    def access_token(self, *, refresh: bool = False) -> str:
        with self._lock:
            if refresh or not self._token or self.clock() >= self._expires_at:
                r = self.http.get("gettoken", params={"corpid": self.corp_id, "corpsecret": self.secret})
                data = r.json()
                if data.get("errcode", 0) != 0:
                    raise WeComError(data["errcode"], data.get("errmsg", ""), "gettoken")
                self._token = data["access_token"]
                self._expires_at = self.clock() + int(data.get("expires_in", 7200)) - EARLY_REFRESH_SECONDS
                log.info("fetched a WeCom access token (valid %s s)", data.get("expires_in"))
            return self._token

    def call(self, path: str, payload: dict) -> dict:
        """POSTs to the API; a token WeCom calls expired is fetched again and the call retried once."""
        for attempt in (1, 2):
            data = self.http.post(path, params={"access_token": self.access_token(refresh=attempt == 2)},
                                  json=payload).json()
            if data.get("errcode", 0) in TOKEN_EXPIRED and attempt == 1:
                log.info("WeCom says the access token expired (%s); fetching a new one", data.get("errcode"))
                continue
            if data.get("errcode", 0) != 0:
                raise WeComError(data["errcode"], data.get("errmsg", ""), path)
            return data
        raise AssertionError("unreachable")

    def upload_image(self, png: bytes, filename: str = "chart.png") -> str:
        """Uploads an image as temporary media (three days) and returns its media_id for an image message."""
        for attempt in (1, 2):
            data = self.http.post("media/upload", params={"access_token": self.access_token(refresh=attempt == 2),
                                                          "type": "image"},
                                  files={"media": (filename, png, "image/png")}).json()
            if data.get("errcode", 0) in TOKEN_EXPIRED and attempt == 1:
                continue
            if data.get("errcode", 0) != 0:
                raise WeComError(data["errcode"], data.get("errmsg", ""), "media/upload")
            return data["media_id"]
        raise AssertionError("unreachable")

    def send(self, to_user: str, message: dict) -> dict:
        """`message` is {"msgtype": ..., <msgtype>: {...}} as turn_messages() builds it."""
        return self.call("message/send", {"touser": to_user, "agentid": self.agent_id, **message})

    def send_text(self, to_user: str, content: str) -> dict:
        return self.send(to_user, {"msgtype": "text", "text": {"content": content}})

    def update_card_button(self, to_user: str, response_code: str, label: str) -> dict:
        """Replaces the buttons of a template card someone pressed (when not done by the passive reply)."""
        return self.call("message/update_template_card", {"userids": [to_user], "agentid": self.agent_id,
                                                          "response_code": response_code,
                                                          "button": {"replace_name": label}})
