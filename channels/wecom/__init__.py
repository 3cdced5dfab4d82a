"""WeCom (企业微信): the callback protocol (signatures, AES), message XML, the message API client and the router."""
