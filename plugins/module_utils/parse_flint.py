# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Outputs of flint (NVIDIA MFT) and mstflint: query, verify, burn, errors, version.

Both tools print the same ``Label:   value`` lines (mstflint's flint/subcommands.cpp and
fs2_ops.cpp/fs3_ops.cpp); parsing is by label, never by column. Lines a tool does not know are
ignored, so transcripts with prompts and other commands around the output parse too.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.homelab.connectx.plugins.module_utils.errors import ParseError

# Label -> key of parse_query's result (single-valued labels).
QUERY_LABELS = {
    'image type': 'image_type',
    'fw version': 'fw_version',
    'fw version(running)': 'fw_version_running',
    'fw release date': 'fw_release_date',
    'product version': 'product_version',
    'device id': 'device_id',
    'description': 'description',
    'vsd': 'vsd',
    'image vsd': 'vsd',
    'psid': 'psid',
    'part number': 'part_number',
    'security attributes': 'security_attributes',
    'base guid': 'base_guid',
    'base mac': 'base_mac',
    'mic version': 'mic_version',
    'prs name': 'prs_name',
    'config sectors': 'config_sectors',
    'device vsd': 'device_vsd',
    'ini revision': 'ini_revision',
    'orig psid': 'orig_psid',
}
# FS2 = ConnectX-2/3/3 Pro, the generation this collection burns.
SUPPORTED_IMAGE_TYPES = ('FS2',)
_LABEL_RE = re.compile(r'^([A-Za-z][A-Za-z0-9 ()/._-]*?):\s*(.*)\Z')
_ROM_CONT_RE = re.compile(r'^\s+(\w+=\S+.*)\Z')
_HEX_RE = re.compile(r'^(0x)?[0-9a-fA-F]+\Z')
_NA = ('', 'n/a', 'na')


def _clean(value):
    value = (value or '').strip()
    return None if value.lower() in _NA else value


def _rom_entry(text):
    entry = {}
    for token in text.split():
        key, sep, value = token.partition('=')
        if sep:
            entry[key] = value
    return entry


def parse_query(text):
    """Fields of ``q`` / ``q full`` (device or image). See the API notes of each key in the docs."""
    result = dict((key, None) for key in set(QUERY_LABELS.values()))
    result.update({'rom_info': [], 'guids': [], 'macs': [], 'rom_version': None, 'supported': False})
    in_rom = False
    seen = False
    for raw in (text or '').splitlines():
        line = raw.rstrip()
        cont = _ROM_CONT_RE.match(line) if in_rom else None
        if cont:
            result['rom_info'].append(_rom_entry(cont.group(1)))
            continue
        in_rom = False
        match = _LABEL_RE.match(line)
        if not match:
            continue
        label, value = match.group(1).strip().lower(), match.group(2).strip()
        if label == 'rom info':
            in_rom = True
            entry = _rom_entry(value)
            if entry:
                result['rom_info'].append(entry)
            continue
        if label == 'guids':
            result['guids'] = [g for g in value.split() if _HEX_RE.match(g)]
            continue
        if label == 'macs':
            result['macs'] = [m for m in value.split() if _HEX_RE.match(m)]
            continue
        key = QUERY_LABELS.get(label)
        if key is None or result.get(key) is not None:
            continue  # the first occurrence wins (a transcript may hold several queries)
        if key in ('base_guid', 'base_mac', 'device_id', 'image_type', 'fw_version', 'fw_version_running', 'psid'):
            value = value.split()[0] if value.split() else ''
        elif key == 'description':
            value = ' '.join(value.split())
        result[key] = _clean(value)
        seen = seen or key in ('psid', 'fw_version')
    if not seen:
        raise ParseError('no PSID or FW Version line in the query output', output=text)
    if result['base_guid'] is None and result['guids']:
        result['base_guid'] = result['guids'][0]
    if result['base_mac'] is None and result['macs']:
        result['base_mac'] = result['macs'][0]
    # The FlexBoot (PXE) version is what people name a ROM by; else UEFI, else any versioned entry.
    for kind in ('PXE', 'UEFI', None):
        found = [e['version'] for e in result['rom_info'] if e.get('version') and (kind is None or e.get('type') == kind)]
        if found:
            result['rom_version'] = found[0]
            break
    result['supported'] = result['image_type'] in SUPPORTED_IMAGE_TYPES
    return result


_SECTION_RE = re.compile(r'^\s*/(0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)\s+\((0x[0-9a-fA-F]+)\)/\s+\(([^)]*)\)\s*(.*)\Z')


def parse_verify(text):
    """``v`` output: {ok, failsafe, image_type, sections, failures, message}."""
    if not (text or '').strip():
        raise ParseError('empty verify output', output=text)
    sections, failures, message = [], [], None
    image_type, failsafe = None, None
    ok_line = False
    for raw in text.splitlines():
        line = raw.strip()
        match = _SECTION_RE.match(raw)
        if match:
            status_text = match.group(5).strip()
            status = 'OK' if status_text.endswith('- OK') else status_text.lstrip('- ').strip() or 'unknown'
            sections.append({'name': match.group(4), 'start': match.group(1), 'end': match.group(2), 'status': status})
            if status != 'OK':
                failures.append(line)
            continue
        low = line.lower()
        kind = re.search(r'\b(FS[2-5])\b', line)
        if kind and ('image' in low) and image_type is None:
            image_type = kind.group(1)
            if 'non failsafe' in low or 'non-failsafe' in low:
                failsafe = False
            elif 'failsafe' in low:
                failsafe = True
        if line.startswith('-E-'):
            failures.append(line)
            message = message or line[3:].strip()
        elif 'verification succeeded' in low or 'fw image verification succeeded' in low:
            ok_line = True
            message = message or line.lstrip('-I ').strip()
        elif 'wrong crc' in low or 'failed' in low:
            failures.append(line)
    if not sections and not ok_line and not failures:
        raise ParseError('no verify result in the output', output=text)
    return {'ok': ok_line and not failures, 'failsafe': failsafe, 'image_type': image_type, 'sections': sections,
            'failures': failures, 'message': message or (failures[0] if failures else None)}


_BURN_PATTERNS = [
    ('current_version', re.compile(r'Current FW version(?: on flash)?:\s*(\S+)', re.I)),
    ('image_version', re.compile(r'New FW version:\s*(\S+)', re.I)),
    # mstflint/flint FS2: 'You are about to replace current PSID on flash - "A" with a different PSID - "B".'
    ('psid_change', re.compile(r'replace current PSID on flash - "([^"]+)" with a different PSID - "([^"]+)"', re.I)),
    # '-E- PSID mismatch. The PSID on flash (A) differs from the PSID in the given image (B).'
    ('psid_mismatch', re.compile(r'PSID on flash \(([^)]+)\) differs from the PSID in the given image \(([^)]+)\)', re.I)),
]
_BURN_DONE = [re.compile(p, re.I) for p in (
    r'Restoring signature\s*-\s*OK', r'Burning FS[234] FW image without signatures\s*-\s*OK.*\n.*Restoring',
    r'Burning FW image without signatures\s*-\s*OK', r'Burning FS[234]? ?(?:FW )?image\s*-\s*OK',
    r'-I- FW Burn(?:ing)? (?:finished|completed) successfully',
    r'Writing Boot image component\s*-\s*OK')]  # FS3 (fwctrl/MCC flow), fixture cx4-mstflint-burn-FS3-fwctrl


def parse_burn(text):
    """``burn`` transcript: {ok, psid_mismatch, current_psid, image_psid, current_version, image_version, message}."""
    text = text if isinstance(text, str) else ''
    result = {'ok': False, 'psid_mismatch': False, 'current_psid': None, 'image_psid': None,
              'current_version': None, 'image_version': None, 'message': None}
    for key, pattern in _BURN_PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        if key in ('psid_change', 'psid_mismatch'):
            result['current_psid'], result['image_psid'] = match.group(1), match.group(2)
            result['psid_mismatch'] = result['psid_mismatch'] or key == 'psid_mismatch'
        else:
            result[key] = match.group(1)
    if re.search(r'PSID mismatch', text, re.I):
        result['psid_mismatch'] = True
    errors = [line.strip()[3:].strip() for line in text.splitlines() if line.strip().startswith('-E-')]
    result['message'] = errors[0] if errors else None
    result['ok'] = not errors and any(p.search(text) for p in _BURN_DONE)
    if result['message'] is None and not result['ok']:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        result['message'] = lines[-1] if lines else None
    return result


# (reason, patterns) in order: the first match wins.
_ERROR_RULES = [
    ('semaphore', ('flash semaphore', 'clear_semaphore', 'semaphore')),
    ('psid_mismatch', ('psid mismatch', 'image and device psids do not match', 'psids do not match')),
    ('device_mismatch', ('hw id', 'device id', 'not compatible', 'does not match the device', 'wrong device',
                         'image does not match', 'mismatch in device')),
    ('permission', ('permission denied', 'must be root', 'operation not permitted', 'root permissions')),
    ('unsupported', ('unsupported device', 'operation not supported', 'not supported', 'segmentation fault',
                     'core dumped')),
    ('flash_error', ('flash write failed', 'mfe_verify_error', 'mfe_timeout', 'write failed', 'burning fs2 image failed',
                     'burning fs3 image failed', 'erase failed')),
    ('image_invalid', ('bad crc', 'wrong crc', 'bad image', 'no valid fs', 'failed to open image', 'cannot open image',
                       'no such image', 'verification failed', 'invalid image', 'is not a valid')),
    ('no_device', ('cannot open device', 'no such file or directory', 'no devices found', 'no such device',
                   'mfe_cr_error', 'failed to open device', 'mst driver is not loaded', 'no mellanox devices')),
]


def classify_error(text, rc=None):
    """{reason, message} for a failed flint/mstflint run. Never raises."""
    text = text if isinstance(text, str) else ''
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith('-E-')]
    message = errors[0][3:].strip() if errors else (lines[-1] if lines else '')
    haystack = ' '.join(errors or lines).lower()
    if rc in (-11, 139) and 'segmentation' not in haystack:
        haystack += ' segmentation fault'
    for reason, patterns in _ERROR_RULES:
        if any(p in haystack for p in patterns):
            return {'reason': reason, 'message': message or reason}
    return {'reason': 'unknown', 'message': message or ('exit code %s' % rc if rc is not None else 'no output')}


# The version line of the card tools: the tool's name (also `mst version`), for some tools their own version
# ("mstvpd 2.0.0, mstflint 4.26.0"), then the package and its version: "mstflint, mstflint 4.21.0, Git SHA Hash: N/A",
# "flint, mft 4.22.1-526, built on May 20 2025, 09:45:03. Git SHA Hash: N/A", "flint, mft 4.36.0-147. Git SHA Hash:
# 7a24adf8c", "mst, mft 4.34.1-12, Git SHA Hash: 59c0ccce2" (fixtures mft_version/).
_VERSION_RE = re.compile(r'^\s*(mstflint|flint|mstconfig|mlxconfig|mstvpd|mlxvpd|mstfwreset|mlxfwreset|mst)[^\s,]*'
                         r'(?:\s+v?\d+(?:\.\d+)+)?,?\s+(?:(mstflint|mft)\s+)?v?(\d+)\.(\d+)\.(\d+)(?:[-.](\d+))?',
                         re.I | re.M)


def parse_version(text):
    """``mstflint -v`` / ``flint -v`` / ``mst version``: {tool, package, version, version_tuple, release, git_sha}.

    ``version`` is the package's (mstflint or MFT), not a tool's own (mstvpd 2.0.0); ``release`` MFT's build number."""
    match = _VERSION_RE.search(text or '')
    if not match:
        raise ParseError('no tool version in the output', output=text)
    tool = match.group(1).lower()
    package = (match.group(2) or '').lower()
    if package == 'mft' or tool in ('flint', 'mlxconfig'):
        tool = 'flint' if tool in ('flint', 'mlxconfig') else tool
    nums = [int(match.group(i)) for i in (3, 4, 5)]
    sha = re.search(r'Git SHA Hash:\s*(\S+)', text or '')
    return {'tool': tool, 'package': package or None, 'version': '%d.%d.%d' % tuple(nums), 'version_tuple': nums,
            'release': match.group(6), 'git_sha': _clean(sha.group(1)) if sha else None}
