# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Build synthetic FS2 firmware images for ConnectX-3 / ConnectX-3 Pro that the real mstflint accepts.

The layout follows mstflint 4.21 (mlxfwops/lib/fs2_ops.cpp, fw_ops.cpp, flint_base.*); see
docs/lab/image-layout.md. The images carry no real firmware: the DDR section is filler.
They pass ``mstflint -i IMG query full`` and ``verify`` (with the "Full Image" CRC), can hold an
expansion ROM (``Rom Info:`` line(s), ``rrom``; PXE alone or CLP + UEFI + PXE) and a FW_CONF section (``dc``).

Section order (what ``mstflint -i IMG v`` lists) is that of the real ConnectX-3 images: BOOT2, BOOT2,
Configuration, ROM, GUID, Image Info, 12 x DDR, Configuration, Jump addresses, FW Configuration (fixture
tests/unit/fixtures/flint_verify/cx3-flint-image-verify-2.42.5000-MCX311A.txt). Images are failsafe by
default; ``failsafe=False`` (``--non-failsafe``) builds the "FS2 non failsafe image" kind.

Port count: mstflint prints nothing that tells a single-port image from a dual-port one (both carry
6 GUID entries). What distinguishes them is the PSID / PRS name and the ``num_ports`` key of the INI in
the FW_CONF section (``mstflint dc``); the emulated card takes its port count from its preset.

CLI: build_image.py --preset MCX354A-FCBT -o fw.bin [--fw 2.42.5000] [--psid ..] [--base-guid ..] ...
     build_image.py --list-presets
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import json
import struct
import sys
import zlib

MAGIC = struct.pack('>4I', 0x4D544657, 0x8CDFD000, 0xDEAD9270, 0x4154BEEF)
DEV_CX3 = 4099
DEV_CX3PRO = 4103
PCI_ID = {DEV_CX3: 0x1003, DEV_CX3PRO: 0x1007}
HW_ID = {DEV_CX3: 0x1f5, DEV_CX3PRO: 0x1f7}  # value of CR 0xf0014 [15:0] (fw_ops.cpp hwDevData)
LOG2_CHUNK = 19  # 512 KiB chunks: images live at 0 or 0x80000 of the 2 MiB flash
FLASH_SIZE = 0x200000

# Section types (flint_base.h) and IMAGE_INFO tags (fs2_ops.h)
H_DDR, H_CNF, H_JMP, H_ROM, H_GUID, H_FW_CONF, H_IMG_INFO = 1, 2, 3, 5, 6, 9, 10
H_LAST = 13  # a first dword outside [H_DDR, H_LAST) after the first BOOT2 is a second BOOT2 (fs2_ops.cpp checkGen)
# Sizes (header + data + CRC) of the fixed parts of a real 2.42.5000 image (fixture flint_verify/
# cx3-flint-image-verify-2.42.5000-MCX311A.txt): BOOT2 0x624 and 0x2324, Configuration 0xfa4 and 0x17fc,
# Jump addresses 0x74. The DDR filler is split into DDR_SECTIONS sections, as the real images list 12.
BOOT2_SIZES = (0x624, 0x2324)
CNF_SIZES = (0xfa4, 0x17fc)
JMP_SIZE = 0x74
DDR_SECTIONS = 12
BLANK_GUID = 'ffffffffffffffff'
II_FW_VERSION, II_BUILD_TIME, II_DEVICE_TYPE, II_PSID, II_VSD = 1, 2, 3, 4, 5
II_PRODUCT_VER, II_VSD_VENDOR, II_HW_DEVS_ID, II_MIC_VERSION = 7, 8, 10, 11
II_CONFIG_AREA, II_PS_INFO, II_END = 19, 20, 0xff

# Facts from tests/unit/fixtures/psid_table (PSID <-> OPN) and the fixtures' query outputs; which preset
# values are observed and which are lab choices: docs/lab/psid-table.md.
# 'date' is day, month, year as printed by flint. 'part_name' is the [PS_INFO] Name of `mstflint dc` (what
# mlxfwmanager prints as "Part Number"); 'clp' / 'uefi' add those expansion ROMs before the PXE one;
# base_guid BLANK_GUID gives the all-ffff GUIDs the real ConnectX-3 Pro EN cards show (MACs stay set).
# Sources of each value: docs/lab/psid-table.md ("Preset values") and docs/lab/emulator.md.
PRESETS = {
    'MCX354A-QCBT': dict(psid='MT_1090110018', fw='2.40.5030', device_id=DEV_CX3, ports=2, date=(18, 3, 2017),
                         prs='cx3-1_MCX354A_qdr.prs', rom='3.4.746', base_guid='0002c90300a0b0c0',
                         base_mac='0002c9a0b0c1', vpd_id='CX354A - ConnectX-3 QSFP', ec='A5',
                         part_name='MCX354A-QCB_Ax',
                         description='ConnectX-3 VPI adapter card; dual-port QSFP; QDR IB (40Gb/s) and 10GigE; '
                                     'PCIe3.0x8 8GT/s; RoHS R6'),
    'MCX354A-FCBT': dict(psid='MT_1090120019', fw='2.42.5000', device_id=DEV_CX3, ports=2, date=(5, 9, 2017),
                         prs='cx3-1_MCX354A_fdr.prs', rom='3.4.752', base_guid='0002c90300a1b2c0',
                         base_mac='0002c9a1b2c1', vpd_id='CX354A - ConnectX-3 QSFP', ec='AC',
                         part_name='MCX354A-FCB_A2-A5',
                         description='ConnectX-3 VPI adapter card; dual-port QSFP; FDR IB (56Gb/s) and 40GigE; '
                                     'PCIe3.0 x8 8GT/s; RoHS R6'),
    'MCX353A-FCBT': dict(psid='MT_1100120019', fw='2.42.5000', device_id=DEV_CX3, ports=1, date=(5, 9, 2017),
                         prs='cx3-1_MCX353A_fdr.prs', rom='3.4.752', base_guid='0002c90300a2c3d0',
                         base_mac='0002c9a2c3d1', vpd_id='CX353A - ConnectX-3 QSFP', ec='A5',
                         part_name='MCX353A-FCB_A2-A5',
                         description='ConnectX-3 VPI adapter card; single-port QSFP; FDR IB (56Gb/s) and 40GigE; '
                                     'PCIe3.0 x8 8GT/s; RoHS R6'),
    'MCX314A-BCCT': dict(psid='MT_1090111023', fw='2.40.5032', device_id=DEV_CX3PRO, ports=2, date=(16, 1, 2017),
                         prs='cx3pro_MCX314A_BCC.prs', rom='3.4.747', base_guid=BLANK_GUID,
                         base_mac='248a07b1c2d1', vpd_id='CX314A - ConnectX-3 Pro QSFP', ec='A1',
                         part_name='MCX314A-BCC_Ax',
                         description='ConnectX-3 Pro EN network interface card; 40GigE; dual-port QSFP; '
                                     'PCIe3.0 x8 8GT/s; RoHS R6'),
    'MCX354A-FCCT': dict(psid='MT_1090111019', fw='2.42.5000', device_id=DEV_CX3PRO, ports=2, date=(5, 9, 2017),
                         prs='cx3pro_MCX354A_FCC.prs', rom='3.4.752', base_guid=BLANK_GUID,
                         base_mac='248a07b2c3e1', vpd_id='CX354A - ConnectX-3 Pro QSFP', ec='A3',
                         part_name='MCX354A-FCC_Ax',
                         description='ConnectX-3 Pro VPI adapter card; dual-port QSFP; FDR IB (56Gb/s) and 40GigE; '
                                     'PCIe3.0 x8 8GT/s; RoHS R6'),
    'HP-544PFLR': dict(psid='HP_1380110017', fw='2.42.5700', device_id=DEV_CX3PRO, ports=2, date=(28, 10, 2022),
                       prs='cx3pro_hp_falcon_2p_fdr.prs', rom='3.4.754', base_guid='98039bffffc4d5e0',
                       base_mac='98039bc4d5e1', vpd_id='HP InfiniBand FDR/Ethernet 10Gb/40Gb 2-port 544+FLR-QSFP Adapter',
                       ec='A6', pn='764285-B21', product_ver='02.42.57.00', part_name='764285-B21_Ax',
                       clp='8025', uefi='14.11.49',
                       description='HP InfiniBand FDR/Ethernet 10Gb/40Gb 2-port 544+FLR-QSFP Adapter'),
}
PRESETS['HP_1380110017'] = PRESETS['HP-544PFLR']


class Crc16:
    """flint's CRC16 (flint_base.cpp Crc16): poly 0x100B, init 0xFFFF, dwords fed MSB first."""

    def __init__(self):
        self.crc = 0xffff

    def add(self, dword):
        crc = self.crc
        for _bit in range(32):
            top = crc & 0x8000
            crc = ((crc << 1) | (dword >> 31)) & 0xffff
            if top:
                crc ^= 0x100b
            dword = (dword << 1) & 0xffffffff
        self.crc = crc

    def add_bytes(self, data):
        for (dword,) in struct.iter_unpack('>I', data):
            self.add(dword)

    def finish(self):
        crc = self.crc
        for _bit in range(16):
            top = crc & 0x8000
            crc = (crc << 1) & 0xffff
            if top:
                crc ^= 0x100b
        return crc ^ 0xffff


def crc16(data):
    crc = Crc16()
    crc.add_bytes(data)
    return crc.finish()


def parse_version(text):
    parts = [int(p) for p in str(text).split('.')]
    if len(parts) != 3:
        raise ValueError('firmware version must be MAJOR.MINOR.SUBMINOR, got %r' % (text,))
    return parts


def derive_ids(base_guid, base_mac):
    """The 6 GUID-section entries: node, port1, port2, sys image GUIDs, then the 2 port MACs.

    A base GUID of all ones (BLANK_GUID) keeps all four GUIDs blank, as `q` shows them on a real
    ConnectX-3 Pro EN card (fixture flint_query/cx3pro-mstflint-q-2.40.5032-MT_1090111023-before-burn.txt)."""
    guid = int(str(base_guid).replace(':', ''), 16)
    mac = int(str(base_mac).replace(':', ''), 16)
    guids = [guid] * 4 if guid == int(BLANK_GUID, 16) else [guid, guid + 1, guid + 2, guid + 3]
    return guids + [mac, mac + 1]


def _pad4(data, fill=b'\0'):
    return data + fill * (-len(data) % 4)


def _tag(tag_id, payload):
    payload = _pad4(payload)
    return struct.pack('>I', tag_id << 24 | len(payload)) + payload


def _image_info(opts):
    major, minor, sub = parse_version(opts['fw'])
    day, month, year = opts['date']
    bcd = int('%d' % day, 16) | int('%d' % month, 16) << 8 | int('%d' % year, 16) << 16
    hw_id = HW_ID[opts['device_id']]
    info = b''.join([
        _tag(II_FW_VERSION, struct.pack('>II', major << 16, minor << 16 | sub)),
        _tag(II_BUILD_TIME, struct.pack('>II', 0x00000000, bcd)),
        _tag(II_DEVICE_TYPE, struct.pack('>I', opts['device_id'])),
        _tag(II_PSID, opts['psid'].encode('ascii').ljust(16, b'\0')[:16]),
        # Real image files carry the VSD "n/a" (`flint -i fw-ConnectX3-rel-2_42_5000-MCX311A-...bin q`,
        # fixture flint_query/cx3-flint-image-query-full-2.42.5000-MCX311A.txt); burning keeps the card's own VSD.
        _tag(II_VSD, opts.get('vsd', 'n/a').encode('ascii').ljust(208, b'\0')[:208]),
        _tag(II_PRODUCT_VER, opts['product_ver'].encode('ascii').ljust(16, b'\0')[:16]),
        _tag(II_VSD_VENDOR, struct.pack('>I', 0x15b3)),
        # HwDevsId: the HW ids (rev<<16 | id) the image may be burnt on; rev 0 and 1 of the chip.
        _tag(II_HW_DEVS_ID, struct.pack('>II', hw_id, 1 << 16 | hw_id)),
        _tag(II_MIC_VERSION, struct.pack('>II', 2 << 16, 0)),
        _tag(II_CONFIG_AREA, struct.pack('>III', opts.get('config_sectors', 1), 0, 2)),
        _tag(II_PS_INFO, opts['prs'].encode('ascii').ljust(64, b'\0')),
    ])
    return info + struct.pack('>I', II_END << 24)


def _rom_image(sig, text, device_id, last):
    """One 2 KiB image of a PCI expansion ROM: 55AA, size byte, pointer (0x18) to a PCIR structure with the
    vendor / device id (CLP's device id is read from there), 'mlxsign:' + version info, byte sum 0."""
    rom = bytearray(2048)
    rom[0:2] = b'\x55\xaa'
    rom[2] = len(rom) // 512
    struct.pack_into('<H', rom, 0x18, 0x20)
    rom[0x20:0x38] = b'PCIR' + struct.pack('<HHHHBBBBHHBBH', 0x15b3, device_id, 0, 0x18, 0, 0, 0, 2,
                                           len(rom) // 512, 0, 0x80 if last else 0, 0, 0)[:20]
    sig = b'mlxsign:' + sig
    rom[0x40:0x40 + len(sig)] = sig
    rom[0x80:0x80 + len(text)] = text
    rom[-1] = (-sum(rom[:-1])) & 0xff
    return rom


def build_rom(version, device_id, clp=None, uefi=None):
    """The expansion ROM: a PXE (FlexBoot) image, after a CLP and a UEFI image when those are given.

    GetExpRomVerForOneRom (fw_ops.cpp) reads after each 'mlxsign:' three LE dwords: product id << 16 |
    major, minor << 16 | subminor, dev_id << 16 | cpu << 8 | proto (0xff = no protocol printed). Product ids:
    0x10 PXE, 0x11 UEFI (cpu 1 = AMD64), 0xf CLP, whose version is a free string (length at +0xc, text at
    +0x10). `q` prints them in the order of their signatures: "version_id=8025 type=CLP",
    "type=UEFI version=14.11.48 cpu=AMD64", "type=PXE version=3.4.754" (fixture
    flint_query/cx3pro-hp544-flint-query-full-2.42.5044-winmft.txt).
    """
    images = []
    if clp:
        text = str(clp).encode('ascii')
        sig = struct.pack('<IIII', 0xf << 16, 0, 0, len(text) << 8 | ((len(text) + 3) // 4 + 4)) + text
        images.append((sig, b'CLP ' + text))
    if uefi:
        major, minor, sub = parse_version(uefi)
        images.append((struct.pack('<III', 0x11 << 16 | major, minor << 16 | sub, device_id << 16 | 1 << 8 | 0xff),
                       ('UEFI v%s' % uefi).encode('ascii')))
    major, minor, sub = parse_version(version)
    images.append((struct.pack('<III', 0x10 << 16 | major, minor << 16 | sub, device_id << 16 | 0xff),
                   ('FlexBoot v%s' % version).encode('ascii')))
    return b''.join(bytes(_rom_image(sig, text, device_id, index == len(images) - 1))
                    for index, (sig, text) in enumerate(images))


def default_fw_conf(opts):
    """The INI that `mstflint dc` prints (the firmware's own configuration, zlib-compressed on flash)."""
    major, minor, sub = parse_version(opts['fw'])
    lines = [
        '[PS_INFO]',
        'Name = %s' % opts.get('part_name', (opts['pn'][:-1] if opts['pn'].endswith('T') else opts['pn']) + '_Ax'),
        'Description = %s' % opts.get('description', ''),
        '',
        '[ADAPTER]',
        'PSID = %s' % opts['psid'],
        'pcie_gen2_speed_supported = true',
        'pcie_gen3_speed_supported = true',
        '',
        '[HCA]',
        'hca_header_device_id = 0x%x' % PCI_ID[opts['device_id']],
        'num_ports = %d' % opts['ports'],
        'fw_version = %d.%d.%d' % (major, minor, sub),
        'eth_xfi_en = true',
        'sriov_en = true',
        '',
        '[IB]',
        'phy_type_port1 = QSFP',
    ]
    if opts['ports'] > 1:
        lines.append('phy_type_port2 = QSFP')
    return '\n'.join(lines) + '\n'


def _section(sect_type, data, next_ptr):
    data = _pad4(data)
    gph = struct.pack('>4I', sect_type, len(data) // 4, 0, next_ptr)
    return gph + data + struct.pack('>I', crc16(gph + data))


def resolve(preset=None, **overrides):
    """Merge a preset with overrides (None values are ignored) into a full option dict."""
    opts = dict(PRESETS[preset]) if preset else {}
    opts.setdefault('device_id', DEV_CX3)
    opts.setdefault('ports', 2)
    opts.setdefault('date', (5, 9, 2017))
    opts.setdefault('base_guid', '0002c90300000010')
    opts.setdefault('base_mac', '0002c9000011')
    opts.setdefault('ddr_size', 0x20000)
    if preset:
        opts.setdefault('pn', preset)
    for key, value in overrides.items():
        if value is not None:
            opts[key] = value
    if 'psid' not in opts or 'fw' not in opts:
        raise ValueError('psid and fw are required (or use a preset)')
    opts.setdefault('pn', 'MCX000A-XXXT')
    opts.setdefault('prs', 'synthetic.prs')
    if 'product_ver' not in opts:
        major, minor, sub = parse_version(opts['fw'])
        opts['product_ver'] = '%02d.%02d.%02d.%02d' % (major, minor, sub // 100, sub % 100)
    if isinstance(opts['date'], str):
        opts['date'] = tuple(int(x) for x in opts['date'].split('.'))
    if opts['device_id'] not in PCI_ID:
        raise ValueError('device id must be 4099 (ConnectX-3) or 4103 (ConnectX-3 Pro)')
    return opts


def build(preset=None, **overrides):
    """Return the image bytes. Keys: psid fw device_id base_guid base_mac guids date rom clp uefi fw_conf ports vsd
    failsafe..."""
    opts = resolve(preset, **overrides)
    guids = opts.get('guids') or derive_ids(opts['base_guid'], opts['base_mac'])

    # Two BOOT2 blocks (the second is what fs2_ops.cpp calls "BOOT3"; flint prints both as BOOT2): a first
    # dword that is no section type, the size in dwords, then size + 1 dwords and a CRC dword.
    boot2 = b''
    for total in BOOT2_SIZES:
        size = total // 4 - 4
        block = struct.pack('>II', 0xb0070000, size) + bytes(4 * (size + 1))
        boot2 += block + struct.pack('>I', crc16(block))

    # DDR filler: deterministic, non-trivial bytes so burns move realistic amounts of data; split in 12 sections.
    filler = bytearray(opts['ddr_size'])
    seed = zlib.crc32(opts['psid'].encode() + opts['fw'].encode())
    for off in range(0, len(filler), 4):
        seed = (seed * 1103515245 + 12345) & 0xffffffff
        struct.pack_into('>I', filler, off, seed)
    part = len(filler) // DDR_SECTIONS // 4 * 4
    cuts = [part * i for i in range(DDR_SECTIONS)] + [len(filler)]
    ddr = [(H_DDR, bytes(filler[cuts[i]:cuts[i + 1]])) for i in range(DDR_SECTIONS)]

    # The order of a real image (module docstring): ROM only when there is one, FW_CONF last when there is one.
    sections = [(H_CNF, bytes(CNF_SIZES[0] - 20))]
    if opts.get('rom'):
        sections.append((H_ROM, build_rom(opts['rom'], opts['device_id'], opts.get('clp'), opts.get('uefi'))))
    sections.append((H_GUID, b''.join(struct.pack('>Q', g) for g in guids)))
    sections.append((H_IMG_INFO, _image_info(opts)))
    sections += ddr
    sections += [(H_CNF, bytes(CNF_SIZES[1] - 20)), (H_JMP, bytes(JMP_SIZE - 20))]
    fw_conf = opts.get('fw_conf', True)
    if fw_conf:
        text = default_fw_conf(opts) if fw_conf is True else fw_conf
        sections.append((H_FW_CONF, zlib.compress(text.encode('ascii'))))

    # Lay the sections out, then fill in the pointers that refer to their data.
    offset = 0x38 + len(boot2)
    blobs, info_ptr, guid_ptr = [], 0, 0
    for index, (sect_type, data) in enumerate(sections):
        size = 16 + len(_pad4(data)) + 4
        last = index == len(sections) - 1
        blob = _section(sect_type, data, 0xff000000 if last else offset + size)
        if sect_type == H_IMG_INFO:
            info_ptr = offset + 16
        if sect_type == H_GUID:
            guid_ptr = offset + 16
        blobs.append(blob)
        offset += size
    image_size = offset

    info_word = info_ptr & 0xffffff
    info_word |= ((-sum(struct.pack('>I', info_word))) & 0xff) << 24
    fs_byte = 0x08 | (LOG2_CHUNK - 16) if opts.get('failsafe', True) else 0  # CntxGetFsData (fs2_ops.cpp)
    fs_word = ((-fs_byte) & 0xff) << 24 | fs_byte
    header = MAGIC + bytes(16) + struct.pack('>6I', 0x0000ffff, 0, fs_word, info_word, image_size, guid_ptr)

    # Full-image CRC (fs2_ops.cpp Fs2Verify): header with CRC field 0xffff, BOOT2 incl. its CRC, then
    # every section's header+data followed by its CRC.
    full = Crc16()
    full.add_bytes(header)
    full.add_bytes(boot2)
    for blob in blobs:
        full.add_bytes(blob)
    fw_id = 0x00000000 | full.finish()
    image = header[:0x20] + struct.pack('>I', fw_id) + header[0x24:] + boot2 + b''.join(blobs)
    assert len(image) == image_size
    return image


def sections_of(image):
    """Parse an FS2 image (as built here or read back) into a list of (type, offset, data)."""
    start = image.find(MAGIC)
    if start < 0:
        raise ValueError('no FS2 magic')
    img = image[start:]
    n = struct.unpack_from('>I', img, 0x3c)[0]
    off = 0x38 + (n + 4) * 4
    first = struct.unpack_from('>I', img, off)[0] if off + 8 <= len(img) else H_DDR
    if not H_DDR <= first < H_LAST:  # a second BOOT2
        off += (struct.unpack_from('>I', img, off + 4)[0] + 4) * 4
    out = []
    while off and off != 0xff000000 and off + 16 <= len(img):
        sect_type, size, _param, nxt = struct.unpack_from('>4I', img, off)
        out.append((sect_type, off, img[off + 16:off + 16 + size * 4]))
        off = nxt
    return out


def image_facts(image):
    """PSID, FW version, device id and GUIDs of an FS2 image (used by cardctl)."""
    facts = {}
    for sect_type, _off, data in sections_of(image):
        if sect_type == H_GUID:
            facts['guids'] = ['%016x' % g for (g,) in struct.iter_unpack('>Q', data)]
        if sect_type == H_IMG_INFO:
            pos = 0
            while pos + 4 <= len(data):
                word = struct.unpack_from('>I', data, pos)[0]
                tag, size = word >> 24, word & 0xffffff
                body = data[pos + 4:pos + 4 + size]
                if tag == II_FW_VERSION:
                    hi, lo = struct.unpack_from('>II', body)
                    facts['fw'] = '%d.%d.%d' % (hi >> 16, lo >> 16, lo & 0xffff)
                elif tag == II_DEVICE_TYPE:
                    facts['device_id'] = struct.unpack_from('>I', body)[0] & 0xffff
                elif tag == II_PSID:
                    facts['psid'] = body.split(b'\0')[0].decode('ascii')
                elif tag == II_END:
                    break
                pos += 4 + size
    return facts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--preset', choices=sorted(PRESETS))
    parser.add_argument('--list-presets', action='store_true')
    parser.add_argument('-o', '--output')
    parser.add_argument('--psid')
    parser.add_argument('--fw', help='firmware version, e.g. 2.42.5000')
    parser.add_argument('--device-id', type=int, choices=sorted(PCI_ID))
    parser.add_argument('--base-guid')
    parser.add_argument('--base-mac')
    parser.add_argument('--date', help='release date D.M.YYYY')
    parser.add_argument('--rom', help='FlexBoot (PXE) version, e.g. 3.4.752')
    parser.add_argument('--clp', help='CLP ROM version id, e.g. 8025 (put before the PXE ROM)')
    parser.add_argument('--uefi', help='UEFI ROM version, e.g. 14.11.49 (put before the PXE ROM)')
    parser.add_argument('--non-failsafe', action='store_true', help='an "FS2 non failsafe image"')
    parser.add_argument('--no-rom', action='store_true')
    parser.add_argument('--fw-conf', help='file whose text becomes the FW_CONF section (mstflint dc)')
    parser.add_argument('--no-fw-conf', action='store_true')
    parser.add_argument('--ports', type=int, choices=(1, 2))
    parser.add_argument('--vsd')
    parser.add_argument('--prs')
    parser.add_argument('--ddr-size', type=lambda v: int(v, 0), help='filler bytes (default 0x20000)')
    args = parser.parse_args(argv)
    if args.list_presets:
        print(json.dumps(PRESETS, indent=1, sort_keys=True))
        return 0
    if not args.output:
        parser.error('-o/--output is required')
    fw_conf = None
    if args.no_fw_conf:
        fw_conf = False
    elif args.fw_conf:
        with open(args.fw_conf, encoding='ascii') as handle:
            fw_conf = handle.read()
    image = build(args.preset, psid=args.psid, fw=args.fw, device_id=args.device_id, base_guid=args.base_guid,
                  base_mac=args.base_mac, date=args.date, rom='' if args.no_rom else args.rom, fw_conf=fw_conf,
                  ports=args.ports, vsd=args.vsd, prs=args.prs, ddr_size=args.ddr_size, clp=args.clp, uefi=args.uefi,
                  failsafe=False if args.non_failsafe else None)
    with open(args.output, 'wb') as handle:
        handle.write(image)
    return 0


if __name__ == '__main__':
    sys.exit(main())
