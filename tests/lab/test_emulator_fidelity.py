# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulated cards and the built images, field by field against real outputs of the same boards (issue 39).

The real, unmodified mstflint 4.21 / mstvpd / lspci run on images from tests/lab/firmware/build_image.py and on
emulated cards (LD_PRELOAD=libfakemlx.so, one FAKEMLX_ROOT per test); their outputs are compared with the captures
in tests/unit/fixtures/ (docs/lab/emulator.md, "Fidelity to real cards"; docs/lab/image-layout.md):

* `mstflint -i IMG v`: the section list and the failsafe header of every preset, with and without a ROM, failsafe
  and not (flint_verify/cx3-flint-image-verify-2.42.5000-MCX311A.txt,
  flint_verify/cx3pro-hp544-flint-image-verify-WRONG-CRC-failure.txt);
* `mstflint -i IMG query full` (flint_query/cx3-flint-image-query-full-2.42.5000-MCX311A.txt), VSD `n/a`;
* the VPD block of `lspci -vvv` (vpd/cx3-mcx354a-fcbt-lspci-vpd-block.txt), and mstvpd on every preset;
* the device `q` of MCX314A-BCCT, MCX354A-FCCT and MCX354A-FCBT (flint_query/);
* `dc` [PS_INFO] Name / Description, PSID and the FW / ROM versions against mlxfwmanager / mlxup (mlxfwmanager/) and
  the rows of psid_table/connectx3-psid-partnumber-firmware-table.txt.

Values that are the identity of one physical card (its GUIDs and MACs, its serial number), values a capture's author
elided or an email client wrapped, and values of a different board or release are named in the test and ignored;
every other field is compared.
No podman, no root-only kernel feature needed.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import importlib.machinery
import importlib.util
import os
import re

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
EMU = os.path.join(HERE, 'emulator')
FIXTURES = os.path.join(os.path.dirname(HERE), 'unit', 'fixtures')
BDF = '0000:03:00.0'


def _load(name, path):
    spec = importlib.util.spec_from_loader(name, importlib.machinery.SourceFileLoader(name, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cardctl = _load('cardctl', os.path.join(EMU, 'cardctl.py'))
bim = _load('build_image', os.path.join(HERE, 'firmware', 'build_image.py'))

PRESETS = sorted(name for name in bim.PRESETS if name != 'HP_1380110017')  # that one is an alias of HP-544PFLR

# The captures (paths relative to tests/unit/fixtures/).
VERIFY_MCX311A = 'flint_verify/cx3-flint-image-verify-2.42.5000-MCX311A.txt'            # FS2 non failsafe image
VERIFY_HP544 = 'flint_verify/cx3pro-hp544-flint-image-verify-WRONG-CRC-failure.txt'     # FS2 failsafe image
QUERY_IMAGE_MCX311A = 'flint_query/cx3-flint-image-query-full-2.42.5000-MCX311A.txt'
VPD_FCBT = 'vpd/cx3-mcx354a-fcbt-lspci-vpd-block.txt'
PSID_TABLE = 'psid_table/connectx3-psid-partnumber-firmware-table.txt'

# Per-card identity, named and ignored. GUIDs and MACs are the card's (or an image file's placeholders, which a burn
# replaces with the card's); the serial number is the card's VPD [SN].
IDENTITY = ('GUIDs', 'MACs')
VPD_IDENTITY = ('SN',)

# Sections whose place and size the builder reproduces (docs/lab/image-layout.md sections 2-3; DDR, ROM and Image
# Info sizes of the real files are not reproduced).
SIZED_SECTIONS = ('BOOT2', 'Configuration', 'GUID', 'Jump addresses')


@pytest.fixture(scope='session')
def shim(lab):
    lab.need('gcc', 'make', 'mstflint', 'mstvpd')
    res = lab.run(['make', '-s', '-C', EMU])
    assert res.returncode == 0, res.stdout + res.stderr
    return os.path.join(EMU, 'libfakemlx.so')


# ------------------------------------------------------------------ helpers

def capture(name):
    """The lines of a fixture after its `# ---` header (the command line, if any, and the output)."""
    with open(os.path.join(FIXTURES, name), encoding='utf-8') as handle:
        lines = handle.read().splitlines()
    return lines[lines.index('# ---') + 1:]


def fields(lines, first='Image type'):
    """[(label, value)] of an mstflint `q` printout: from the `first` label to the first empty line; a line that
    starts with white space continues the value above it (Rom Info, a wrapped Description)."""
    out, started = [], False
    for line in lines:
        match = re.match(r'^([A-Za-z][A-Za-z0-9 ()/_-]*):(.*)$', line)
        if not started:
            if not (match and match.group(1) == first):
                continue
            started = True
        if not line.strip():
            break
        if match:
            out.append([match.group(1), match.group(2).strip()])
        elif line[:1].isspace() and out:
            out[-1][1] += '\n' + line.strip()
    return [tuple(item) for item in out]


def compare(real, emulated, ignored):
    """Field by field: the same labels in the same order, equal values except those named in `ignored`."""
    assert [pair[0] for pair in emulated] == [pair[0] for pair in real]
    for (label, want), got in zip(real, (pair[1] for pair in emulated)):
        if label not in ignored:
            assert got == want, (label, got, want)


VERIFY_LINE = re.compile(r'^\s*/0x([0-9a-f]{8})-0x([0-9a-f]{8}) \(0x([0-9a-f]{6})\)/ \(([^)]+)\)(?: /0x[0-9a-f]+/)?'
                         r' - (.*)$')


def verify_listing(lines):
    """(header, [(name, start, size, status)], last line) of a `v` printout."""
    header = next(line.strip() for line in lines if line.strip().startswith('FS2 '))
    sections = []
    for line in lines:
        match = VERIFY_LINE.match(line)
        if match:
            sections.append((match.group(4), int(match.group(1), 16), int(match.group(3), 16), match.group(5)))
    last = [line for line in lines if line.strip()][-1]
    return header, sections, last


def rom_versions(rom_info):
    """{type: version} of `q`'s Rom Info (`version_id=8025 type=CLP`, `type=PXE version=3.4.752`)."""
    out = {}
    for line in rom_info.splitlines():
        words = dict(word.split('=', 1) for word in line.split())
        out[words['type']] = words.get('version', words.get('version_id'))
    return out


def normal_version(text):
    """mlxfwmanager pads the last part of a ROM version: 3.4.0752 is 3.4.752, 14.11.0049 is 14.11.49."""
    return '.'.join(str(int(part)) for part in text.split('.'))


def mlxfwmanager_device(name):
    """Part Number, Description, PSID and {FW/PXE/CLP/UEFI: current version} of the first device of a capture."""
    out, versions, last = {}, {}, None
    for line in capture(name):
        if out and not line.strip():
            if versions:
                break
            continue
        row = re.match(r'^ {5}(FW|PXE|CLP|UEFI)\s+(\S+)', line)
        label = re.match(r'^  (\S[^:]*):\s*(.*?)\s*$', line)
        if row:
            versions[row.group(1)] = row.group(2)
        elif label:
            last = label.group(1)
            out[last] = label.group(2)
        elif line.startswith(' ') and last == 'Description':  # wrapped by the author's terminal
            out[last] += ' ' + line.strip()
    out['versions'] = versions
    return out


def psid_table_rows():
    """{PSID: (device column, OPN, part number, description)} of the PSID table."""
    rows = {}
    for line in capture(PSID_TABLE):
        cells = [cell.strip() for cell in line.split('|')]
        if len(cells) >= 8 and not line.startswith('#'):
            rows[cells[0]] = tuple(cells[1:5])
    return rows


def dc_values(text):
    """First value of each key of `mstflint dc` (the FW_CONF INI)."""
    out = {}
    for line in text.splitlines():
        if ' = ' in line:
            key, value = line.split(' = ', 1)
            out.setdefault(key.strip(), value.strip())
    return out


class Card:
    """One emulated card of a preset in its own FAKEMLX_ROOT; run() runs a real tool against it."""

    def __init__(self, lab, shim, root, preset, **kw):
        self.lab, self.root, self.preset = lab, str(root), preset
        self.env = {'LD_PRELOAD': shim, 'FAKEMLX_ROOT': self.root}
        ports = bim.PRESETS[preset]['ports']
        self.made = cardctl.create(self.root, BDF, preset, netdevs=['ens1', 'ens1d1'][:ports], **kw)

    def run(self, *argv):
        res = self.lab.run(list(argv), env=self.env)
        assert res.returncode == 0, (argv, res.returncode, res.stdout, res.stderr)
        return res.stdout


def image(tmp_path, preset, **kw):
    path = tmp_path / ('%s.bin' % preset)
    path.write_bytes(bim.build(preset, **kw))
    return str(path)


# ------------------------------------------------------------------ images: v, query full

def test_the_two_real_listings_agree():
    """The HP 544+FLR file lists the same sections as the MCX311A file up to its (patched) Configuration."""
    real = [entry[0] for entry in verify_listing(capture(VERIFY_MCX311A))[1]]
    hp_names = [entry[0] for entry in verify_listing(capture(VERIFY_HP544))[1]]
    assert len(real) == 22 and real[:2] == ['BOOT2', 'BOOT2'] and real.count('DDR') == 12
    assert hp_names == real[:len(hp_names)]


@pytest.mark.parametrize('failsafe', [True, False], ids=['failsafe', 'non-failsafe'])
@pytest.mark.parametrize('rom', [True, False], ids=['rom', 'no-rom'])
@pytest.mark.parametrize('preset', PRESETS)
def test_verify_lists_the_sections_of_a_real_image(lab, tmp_path, preset, rom, failsafe):
    lab.need('mstflint')
    kw = {} if rom else {'rom': ''}
    if not failsafe:
        kw['failsafe'] = False
    res = lab.run(['mstflint', '-i', image(tmp_path, preset, **kw), 'v'])
    assert res.returncode == 0, res.stdout + res.stderr
    header, sections, last = verify_listing(res.stdout.splitlines())
    real_header, real, real_last = verify_listing(capture(VERIFY_MCX311A))
    if failsafe:  # the header of the failsafe HP 544+FLR file
        real_header = verify_listing(capture(VERIFY_HP544))[0]
        assert header == real_header == 'FS2 failsafe image. Start address: 0x0. Chunk size 0x80000:'
        assert 'NOTE: The addresses below are contiguous logical addresses.' in res.stdout
    else:
        assert header == real_header == 'FS2 non failsafe image:'
        assert 'NOTE:' not in res.stdout
    if not rom:
        real = [section for section in real if section[0] != 'ROM']
    assert [s[0] for s in sections] == [s[0] for s in real]
    assert all(entry[3] == 'OK' for entry in sections), res.stdout
    assert last == real_last == '-I- FW image verification succeeded. Image is bootable.'
    for (name, start, size), (real_start, real_size) in zip((e[:3] for e in sections), (e[1:3] for e in real)):
        if name in SIZED_SECTIONS:
            assert size == real_size, (name, hex(size), hex(real_size))
        if name == 'BOOT2' or (name, real_start) == ('Configuration', 0x2980):
            assert start == real_start, (name, hex(start), hex(real_start))
    full = sections[-1]
    assert full[0] == 'Full Image' and full[1] == 0 and full[2] == sections[-2][1] + sections[-2][2]


def test_image_query_full_as_a_real_image_file(lab, tmp_path):
    """An image file of the same release (2.42.5000, FlexBoot 3.4.752, ConnectX-3) as the MCX311A file: every label,
    in order, with its value. Ignored: the GUIDs and MACs (an image file's placeholders, replaced by the card's on
    burn) and the PRS name and PSID, which name the MCX311A-XCAT board (no preset)."""
    lab.need('mstflint')
    res = lab.run(['mstflint', '-i', image(tmp_path, 'MCX354A-FCBT'), 'query', 'full'])
    assert res.returncode == 0, res.stdout + res.stderr
    real = fields(capture(QUERY_IMAGE_MCX311A))
    assert dict(real)['VSD'] == 'n/a'
    compare(real, fields(res.stdout.splitlines()), IDENTITY + ('PRS Name', 'PSID'))


@pytest.mark.parametrize('preset', PRESETS)
def test_every_image_file_carries_vsd_na(lab, tmp_path, preset):
    lab.need('mstflint')
    res = lab.run(['mstflint', '-i', image(tmp_path, preset), 'query', 'full'])
    assert res.returncode == 0, res.stdout + res.stderr
    assert dict(fields(res.stdout.splitlines()))['VSD'] == 'n/a'


# ------------------------------------------------------------------ VPD

def vpd_block(lines):
    """The VPD capability of `lspci -vvv`, from its Capabilities line to its End, the serial number named."""
    start = next(i for i, line in enumerate(lines) if line.startswith('\tCapabilities: [48] Vital Product Data'))
    end = lines.index('\t\tEnd', start)
    return [re.sub(r'(\[SN\] Serial number: ).*', r'\1<SN: card identity>', line) for line in lines[start:end + 1]]


def test_lspci_vpd_block_as_the_real_card(lab, shim, tmp_path):
    """MCX354A-FCBT: ID, read-only fields, RV checksum, V1, YA and the 16 RW entries (105 free bytes, 14 x 253, 252),
    line by line as the real card's; its serial number is the card's identity, ignored."""
    lab.need('lspci')
    card = Card(lab, shim, tmp_path / 'fcbt', 'MCX354A-FCBT')
    real = vpd_block(capture(VPD_FCBT))
    rw = [line.split(': ', 1)[1] for line in real if '[RW] Read-write area' in line]
    assert rw == ['105 byte(s) free'] + ['253 byte(s) free'] * 14 + ['252 byte(s) free']
    assert vpd_block(card.run('lspci', '-vvv', '-s', BDF[5:]).splitlines()) == real
    # mstvpd reads the same VPD: the ID and the fields of the capture, the serial number apart
    want = {}
    for line in real:
        match = re.match(r'^\t\t(?:Product Name: (.*)|\t\[(\w\w)\] [^:]+: (.*))$', line)
        if match and match.group(1):
            want['ID'] = match.group(1)
        elif match and match.group(2) not in ('RV', 'RW') + VPD_IDENTITY:
            want[match.group(2)] = match.group(3)
    assert sorted(want) == ['EC', 'ID', 'PN', 'V0', 'V1', 'YA']
    got = [line.split(':', 1) for line in card.run('mstvpd', BDF).splitlines() if line.strip()]
    assert {key: value.strip() for key, value in got if key not in VPD_IDENTITY} == want


@pytest.mark.parametrize('preset', PRESETS)
def test_mstvpd_reads_every_preset(lab, shim, tmp_path, preset):
    """mstvpd 4.21 parses the VPD of every preset (it refuses a VPD whose read-write part runs past its end with
    "Failed to parse VPD"), and prints the preset's ID, PN and EC, the read-write V1 and YA."""
    card = Card(lab, shim, tmp_path / 'card', preset)
    res = lab.run(['mstvpd', BDF], env=card.env)
    assert res.returncode == 0, (res.returncode, res.stdout, res.stderr)
    assert 'Failed to parse VPD' not in res.stdout + res.stderr
    got = [line.split(':', 1) for line in res.stdout.splitlines() if line.strip()]
    assert [pair[0] for pair in got] == ['ID', 'PN', 'EC', 'SN', 'V0', 'V1', 'YA']
    values = {key: value.strip() for key, value in got}
    opts = bim.resolve(preset)
    assert (values['ID'], values['PN'], values['EC']) == (opts['vpd_id'], opts['pn'], opts['ec'])
    assert (values['V0'], values['V1'], values['YA']) == ('PCIe Gen3 x8', 'N/A', 'N/A')


# ------------------------------------------------------------------ device q

@pytest.mark.parametrize('preset,fixture,ignored', [
    # the wporter.org article's card before the crossflash: MACs are that card's
    ('MCX314A-BCCT', 'flint_query/cx3pro-mstflint-q-2.40.5032-MT_1090111023-before-burn.txt', IDENTITY),
    # the same card after the crossflash and a reboot (a burn keeps the card's GUIDs: all ffff)
    ('MCX354A-FCCT', 'flint_query/cx3pro-mstflint-q-2.42.5000-MT_1090111019-after-reboot.txt', IDENTITY),
    # GUIDs and MACs elided by the email's author ("[ ... ]"), the Description line wrapped by the email client
    ('MCX354A-FCBT', 'flint_query/cx3-mstflint-q-2.42.5000-MT_1090120019-lkml-email.txt', IDENTITY + ('Description',)),
])
def test_device_query_as_the_real_card(lab, shim, tmp_path, preset, fixture, ignored):
    card = Card(lab, shim, tmp_path / 'card', preset)
    compare(fields(capture(fixture)), fields(card.run('mstflint', '-d', BDF, 'q').splitlines()), ignored)


def test_blank_guids_of_the_pro_en_cards(lab, shim, tmp_path):
    """The GUIDs of MCX314A-BCCT and MCX354A-FCCT are all ffff, as the captures show them (not identity: blank)."""
    for preset in ('MCX314A-BCCT', 'MCX354A-FCCT'):
        card = Card(lab, shim, tmp_path / preset, preset)
        guids = dict(fields(card.run('mstflint', '-d', BDF, 'q').splitlines()))['GUIDs']
        assert guids.split() == ['ffffffffffffffff'] * 4, (preset, guids)


# ------------------------------------------------------------------ dc, PSID, versions vs mlxfwmanager / PSID table

@pytest.mark.parametrize('preset,fixture,versions', [
    ('MCX354A-FCBT', 'mlxfwmanager/cx3-mlxup-online-MCX354A-FCB-2.42.5000.txt', True),
    # FW 2.36.5150 / PXE 3.4.0740 there: a different release from the preset's 2.40.5030, not compared
    ('MCX354A-QCBT', 'mlxfwmanager/cx3-mlxfwmanager-MCX354A-QCB-MT_1090110018-QDR.txt', False),
    ('HP-544PFLR', 'mlxfwmanager/cx3pro-hp544flr-mlxfwmanager-query-2.42.5700-and-nodevices-error.txt', True),
])
def test_dc_and_versions_as_mlxfwmanager_shows_them(lab, shim, tmp_path, preset, fixture, versions):
    """mlxfwmanager's Part Number is `dc`'s [PS_INFO] Name, its Description that of [PS_INFO]; PSID, FW and the ROM
    versions (CLP, PXE, UEFI) as `q` prints them. The Port MACs are the card's identity, ignored."""
    real = mlxfwmanager_device(fixture)
    card = Card(lab, shim, tmp_path / 'card', preset)
    dc = dc_values(card.run('mstflint', '-d', BDF, 'dc'))
    query = dict(fields(card.run('mstflint', '-d', BDF, 'q').splitlines()))
    assert dc['Name'] == real['Part Number']
    assert dc['Description'] == real['Description']
    assert dc['PSID'] == query['PSID'] == real['PSID']
    if versions:
        assert dc['fw_version'] == query['FW Version'] == real['versions']['FW']
        want = {kind: normal_version(value) for kind, value in real['versions'].items() if kind != 'FW'}
        assert rom_versions(query['Rom Info']) == want


def test_hp_544pflr_roms_and_part_name(lab, shim, tmp_path):
    card = Card(lab, shim, tmp_path / 'hp', 'HP-544PFLR')
    assert dc_values(card.run('mstflint', '-d', BDF, 'dc'))['Name'] == '764285-B21_Ax'
    rom_info = dict(fields(card.run('mstflint', '-d', BDF, 'q').splitlines()))['Rom Info']
    assert rom_info.splitlines() == ['version_id=8025 type=CLP', 'type=UEFI version=14.11.49 cpu=AMD64',
                                     'type=PXE version=3.4.754']


@pytest.mark.parametrize('preset', PRESETS)
def test_part_name_and_description_as_the_psid_table_row(lab, shim, tmp_path, preset):
    """The preset's PSID row of the PSID table: family, OPN, part number and description (a value the table gives
    in parentheses is not observed - MCX354A-FCCT's description - and is not compared; its part number is read
    from the image file name the row names)."""
    card = Card(lab, shim, tmp_path / 'card', preset)
    dc = dc_values(card.run('mstflint', '-d', BDF, 'dc'))
    query = dict(fields(card.run('mstflint', '-d', BDF, 'q').splitlines()))
    family, opn, part, description = psid_table_rows()[query['PSID']]
    assert family.split()[0] == query['Device ID']
    assert bim.resolve(preset)['pn'] in opn
    if part.startswith('('):
        part = re.match(r'^\((\S+) image\)$', part).group(1)
    assert dc['Name'] == part
    if not description.startswith('('):
        assert dc['Description'] == description
    if preset in ('MCX354A-FCBT', 'MCX353A-FCBT'):
        assert dc['Name'] == preset[:-1] + '_A2-A5'
