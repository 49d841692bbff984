'use strict';
// Pure helpers of the e2e suite: RFC 6238 TOTP and a small MIME reader for
// the .eml files that the server writes.

const crypto = require('node:crypto');

// --------------------------------------------------------------------- TOTP

function base32Decode(input) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const s = input.toUpperCase().replace(/[^A-Z2-7]/g, '');
  const out = [];
  let bits = 0;
  let value = 0;
  for (const c of s) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
      value &= (1 << bits) - 1;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) for the given time step. */
function totp(secretBase32, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const h = crypto.createHmac('sha1', base32Decode(secretBase32)).update(counter).digest();
  const o = h[h.length - 1] & 0x0f;
  const bin = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(bin % 1_000_000).padStart(6, '0');
}

const currentStep = () => Math.floor(Date.now() / 1000 / 30);

// --------------------------------------------------------------------- mail

function decodeQuotedPrintable(body, charset) {
  const soft = body.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < soft.length; i++) {
    const m = soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3));
    if (m) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString(/^(utf-?8|us-ascii)?$/i.test(charset || '') ? 'utf8' : 'latin1');
}

/** Splits an RFC 822 entity into unfolded headers and body. */
function splitEntity(raw) {
  const text = raw.replace(/\r\n/g, '\n');
  const idx = text.indexOf('\n\n');
  const head = idx === -1 ? text : text.slice(0, idx);
  const body = idx === -1 ? '' : text.slice(idx + 2);
  const headers = {};
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const c = line.indexOf(':');
    if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
  }
  return { headers, body };
}

/** All decoded text parts of a mail (a small MIME walker, enough for lettre's output). */
function mailTexts(raw, depth = 0) {
  const { headers, body } = splitEntity(raw);
  const type = headers['content-type'] || 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type);
  if (/^multipart\//i.test(type) && boundary && depth < 5) {
    const parts = body.split(new RegExp(`^--${boundary[1].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:--)?[ \\t]*$`, 'm'));
    return parts.slice(1).flatMap((p) => mailTexts(p.replace(/^\n/, ''), depth + 1));
  }
  const cte = (headers['content-transfer-encoding'] || '').toLowerCase();
  const charset = (/charset="?([^";]+)"?/i.exec(type) || [])[1];
  if (cte === 'quoted-printable') return [decodeQuotedPrintable(body, charset)];
  if (cte === 'base64') return [Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')];
  return [body];
}

module.exports = { base32Decode, totp, currentStep, decodeQuotedPrintable, splitEntity, mailTexts };
