"""WXBizMsgCrypt: WeChat's official vector, round trips, key rotation and every refusal path."""

import base64

import pytest

from kaidian.wechat.crypto import (
    AppIdMismatch,
    MalformedMessage,
    MessageCrypto,
    PayloadTooLarge,
    SignatureError,
    WeChatCryptoError,
    decode_aes_key,
    signature,
    verify_signature,
)
from kaidian.wechat.xmlmsg import parse_xml, to_xml

# WeChat's own sample (wechat-protocol.md §1).
TOKEN = "spamtest"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPID = "wx2c2769f8efd9abc2"
TIMESTAMP = "1409735669"
NONCE = "1320562132"
MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2"
    "LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU"
    "6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTn"
    "ifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVW"
    "QLCzpu9GhglF2PE="
)
OTHER_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"


def _crypto(keys=(AES_KEY,), appid=APPID, **kwargs):
    return MessageCrypto(TOKEN, list(keys), appid, **kwargs)


def _push_body(encrypt, appid=APPID):
    return to_xml({"AppId": appid, "Encrypt": encrypt}).encode()


def _open(crypto, body, *, timestamp=TIMESTAMP, nonce=NONCE, msg_signature=None):
    encrypt = parse_xml(body).get("Encrypt", "")
    msg_signature = msg_signature or signature(TOKEN, timestamp, nonce, encrypt)
    return crypto.open_push(body, timestamp=timestamp, nonce=nonce, msg_signature=msg_signature)


def test_official_vector_signature():
    # given WeChat's sample / when signed / then the signature is WeChat's
    assert signature(TOKEN, TIMESTAMP, NONCE, ENCRYPT) == MSG_SIGNATURE
    assert verify_signature(TOKEN, TIMESTAMP, NONCE, ENCRYPT, MSG_SIGNATURE)


def test_official_vector_decrypts_to_the_text_message():
    # given WeChat's sample ciphertext
    crypto = _crypto()
    # when decrypted
    plaintext = crypto.decrypt(ENCRYPT)
    # then it is the 280-byte text message with the documented fields
    assert len(plaintext.encode("utf-8")) == 280
    assert parse_xml(plaintext.encode()) == {
        "ToUserName": "gh_10f6c3c3ac5a",
        "FromUserName": "oyORnuP8q7ou2gfYjqLzSIWZf0rs",
        "CreateTime": "1409735668",
        "MsgType": "text",
        "Content": "abcdteT",
        "MsgId": "6054768590064713728",
    }


def test_official_vector_opens_as_a_push():
    # given the sample wrapped as a push body / when opened with its query / then the inner dict comes back
    inner = _crypto().open_push(
        _push_body(ENCRYPT), timestamp=TIMESTAMP, nonce=NONCE, msg_signature=MSG_SIGNATURE
    )
    assert inner["Content"] == "abcdteT"


@pytest.mark.parametrize(
    "text",
    ["", "a", "x" * 11, "x" * 12, "x" * 13, "y" * 43, "y" * 44, "y" * 45, "z" * 1000, "你好，开店！",
     "混合 mixed ✓"],
)
def test_encrypt_decrypt_round_trip(text):
    # given a message of any length (around the 32-byte block boundaries, Chinese included)
    crypto = _crypto()
    # when encrypted then decrypted / then it is unchanged and the ciphertext is whole 32-byte blocks
    sealed = crypto.encrypt(text)
    assert len(base64.b64decode(sealed)) % 32 == 0
    assert crypto.decrypt(sealed) == text


def test_encrypt_is_deterministic_given_random16():
    crypto = _crypto()
    assert crypto.encrypt("hi", random16=b"0" * 16) == crypto.encrypt("hi", random16=b"0" * 16)
    assert crypto.encrypt("hi") != crypto.encrypt("hi")


def test_seal_then_open_push_round_trip():
    # given a message sealed the way WeChat seals a reply
    crypto = _crypto()
    sealed = crypto.seal("<xml><InfoType><![CDATA[component_verify_ticket]]></InfoType></xml>")
    body = _push_body(sealed["Encrypt"])
    # when opened with the sealed timestamp, nonce and signature
    inner = crypto.open_push(
        body, timestamp=sealed["TimeStamp"], nonce=sealed["Nonce"], msg_signature=sealed["MsgSignature"]
    )
    # then
    assert inner == {"InfoType": "component_verify_ticket"}


def test_sealed_xml_is_the_encrypted_reply_shape():
    reply = parse_xml(_crypto().sealed_xml("<xml><A>1</A></xml>", timestamp="1409735669", nonce="42"))
    assert set(reply) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    assert reply["MsgSignature"] == signature(TOKEN, "1409735669", "42", reply["Encrypt"])


@pytest.mark.parametrize("keys", [[AES_KEY, OTHER_KEY], [OTHER_KEY, AES_KEY]])
def test_key_rotation_opens_with_current_or_previous(keys):
    # given a message sealed with one key / when the receiver holds [current, previous] in any order
    sealed = _crypto([AES_KEY]).encrypt("<xml><A>rotated</A></xml>")
    # then it opens
    assert _crypto(keys).decrypt(sealed) == "<xml><A>rotated</A></xml>"


def test_unknown_key_is_refused():
    sealed = _crypto([OTHER_KEY]).encrypt("secret")
    with pytest.raises(MalformedMessage):
        _crypto([AES_KEY]).decrypt(sealed)


def test_forged_signature_is_refused_before_decrypting(monkeypatch):
    # given a genuine body with a forged signature
    crypto = _crypto()
    monkeypatch.setattr(crypto, "decrypt", lambda _: pytest.fail("decrypted before verifying"))
    # when opened / then SignatureError, and nothing was decrypted
    with pytest.raises(SignatureError):
        _open(crypto, _push_body(ENCRYPT), msg_signature="0" * 40)


@pytest.mark.parametrize("field", ["timestamp", "nonce"])
def test_signature_covers_timestamp_and_nonce(field):
    args = {"timestamp": TIMESTAMP, "nonce": NONCE, "msg_signature": MSG_SIGNATURE, field: "1"}
    with pytest.raises(SignatureError):
        _crypto().open_push(_push_body(ENCRYPT), **args)


def test_wrong_appid_is_refused():
    # given a message sealed for another appid under our key
    sealed = _crypto(appid="wxsomeoneelse0001").encrypt("<xml><A>1</A></xml>")
    # when opened as ours / then AppIdMismatch
    with pytest.raises(AppIdMismatch):
        _open(_crypto(), _push_body(sealed))


def test_oversized_body_is_refused_before_parsing():
    body = b"<xml><Encrypt>" + b"A" * 70_000 + b"</Encrypt></xml>"
    with pytest.raises(PayloadTooLarge):
        _open(_crypto(), body, msg_signature="0" * 40)


def test_body_limit_is_configurable():
    with pytest.raises(PayloadTooLarge):
        _open(_crypto(max_body_bytes=100), _push_body(ENCRYPT))


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><Encrypt>&lol3;</Encrypt></xml>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><Encrypt>&xxe;</Encrypt></xml>"""
DTD_ONLY = b"""<?xml version="1.0"?><!DOCTYPE xml SYSTEM "http://example.invalid/x.dtd"><xml><A>1</A></xml>"""


@pytest.mark.parametrize(
    "body",
    [b"not xml", b"<xml><Encrypt>abc</Encrypt>", b"", BILLION_LAUGHS, XXE, DTD_ONLY],
    ids=["garbage", "unclosed", "empty", "billion-laughs", "xxe", "external-dtd"],
)
def test_malformed_or_unsafe_xml_is_refused(body):
    with pytest.raises(MalformedMessage):
        _crypto().open_push(body, timestamp=TIMESTAMP, nonce=NONCE, msg_signature=MSG_SIGNATURE)


def test_push_without_encrypt_is_malformed():
    with pytest.raises(MalformedMessage):
        _open(_crypto(), b"<xml><AppId>wx</AppId></xml>", msg_signature="0" * 40)


def _flip(encrypt, position):
    raw = bytearray(base64.b64decode(encrypt))
    raw[position] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize(
    "tampered",
    [
        _flip(ENCRYPT, -1),
        _flip(ENCRYPT, 20),
        ENCRYPT[:-24] + "=",
        ENCRYPT[:64],
        "@@not-base64@@",
        base64.b64encode(b"short").decode(),
    ],
    ids=["last-byte", "length-block", "truncated-b64", "truncated-blocks", "not-base64", "not-blocks"],
)
def test_tampered_ciphertext_raises_a_crypto_error_not_a_crash(tampered):
    with pytest.raises(WeChatCryptoError):
        _crypto().decrypt(tampered)


@pytest.mark.parametrize(
    "key",
    ["short", AES_KEY + "A", "!" * 43, None],
)
def test_bad_encoding_aes_key_is_a_value_error(key):
    with pytest.raises(ValueError):
        decode_aes_key(key)
    with pytest.raises(ValueError):
        MessageCrypto(TOKEN, [key], APPID)


def test_to_xml_is_cdata_safe_and_writes_ints_bare():
    xml = to_xml({"Content": "a]]>b<c>&", "CreateTime": 1409735668, "Flag": True})
    assert "<CreateTime>1409735668</CreateTime>" in xml
    assert parse_xml(xml.encode()) == {"Content": "a]]>b<c>&", "CreateTime": "1409735668", "Flag": "True"}


@pytest.mark.parametrize("key", ["bad key", "1abc", "<x>", ""])
def test_to_xml_refuses_unusable_element_names(key):
    with pytest.raises(ValueError):
        to_xml({key: "v"})
