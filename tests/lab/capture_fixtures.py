# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Record what the real mstflint 4.21 tools print against the card emulator, as parser fixtures.

    python3 tests/lab/capture_fixtures.py      # rewrites tests/unit/fixtures/local/emulated-*.txt

Each file: a provenance header, `# ---`, then one capture per command (`## ` lines separate them),
stdout+stderr as printed and the exit code, like the other files of tests/unit/fixtures/local/.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(REPO, 'tests', 'unit', 'fixtures', 'local')
EMU = os.path.join(HERE, 'emulator')
BDF = '0000:03:00.0'


def tool_version():
    res = subprocess.run(['dpkg-query', '-W', '-f=${Version}', 'mstflint'], capture_output=True, text=True, check=False)
    return res.stdout.strip() or 'unknown'


def main():
    subprocess.run(['make', '-s', '-C', EMU], check=True)
    sys.path.insert(0, os.path.join(HERE, 'firmware'))
    import build_image  # pylint: disable=import-error,import-outside-toplevel
    root = tempfile.mkdtemp(prefix='cx-capture-')
    env = dict(os.environ, LC_ALL='C', LD_PRELOAD=os.path.join(EMU, 'libfakemlx.so'), FAKEMLX_ROOT=root)
    cardctl = [sys.executable, os.path.join(EMU, 'cardctl.py'), '--root', root]
    subprocess.run(cardctl + ['create', '--bdf', BDF, '--preset', 'MCX354A-QCBT', '--pcie-speed', '8', '--pcie-width', '4',
                              '--netdevs', 'ens1,ens1d1'], check=True, capture_output=True)
    subprocess.run(cardctl + ['boot'], check=True, capture_output=True, env=env)
    images = {}
    for preset in ('MCX354A-FCBT', 'HP-544PFLR'):
        images[preset] = os.path.join(root, preset + '.bin')
        with open(images[preset], 'wb') as handle:
            handle.write(build_image.build(preset))
    bad = os.path.join(root, 'bad-crc.bin')
    data = bytearray(build_image.build('MCX354A-FCBT'))
    data[0x200] ^= 0xff  # inside the first section: verify reports a wrong CRC
    with open(bad, 'wb') as handle:
        handle.write(bytes(data))
    fcbt = images['MCX354A-FCBT']

    def run(argv):
        res = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        shown = ' '.join(os.path.basename(a) if a.startswith(root) else a for a in argv)
        return '$ %s\n%s%s[exit code: %d]\n' % (shown, res.stdout, res.stderr, res.returncode)

    files = {
        'emulated-mstflint-q-qcbt.txt': [['mstflint', '-d', BDF, 'q'], ['mstflint', '-d', BDF, 'q', 'full']],
        'emulated-mstflint-image-verify.txt': [['mstflint', '-i', fcbt, 'q'], ['mstflint', '-i', fcbt, 'v'],
                                               ['mstflint', '-i', bad, 'v']],
        'emulated-mstflint-burn.txt': [['mstflint', '-d', BDF, '-i', fcbt, '-y', 'burn'],
                                       ['mstflint', '-d', BDF, '-i', images['HP-544PFLR'], '-y', 'burn'],
                                       ['mstflint', '-d', BDF, '-i', fcbt, '-allow_psid_change', '-y', 'burn'],
                                       ['mstflint', '-d', BDF, 'q'], ['mstflint', '-d', BDF, 'v']],
        'emulated-mstvpd.txt': [['mstvpd', BDF]],
        'emulated-mstconfig.txt': [['mstconfig', '-d', BDF, '-e', 'q'], ['mstconfig', '-d', BDF, 'q'],
                                   ['mstconfig', '-d', BDF, '-y', 'set', 'LINK_TYPE_P1=2', 'LINK_TYPE_P2=2'],
                                   ['mstconfig', '-d', BDF, 'q', 'LINK_TYPE_P1', 'LINK_TYPE_P2'],
                                   ['mstconfig', '-d', BDF, '-y', 'set', 'FOO=1'],
                                   ['mstconfig', '-d', BDF, '-y', 'set', 'NUM_OF_VFS=999'],
                                   ['mstconfig', '-d', BDF, '-y', 'reset']],
    }
    header = ('# source: mstflint %s on Debian 12 against the homelab.connectx card emulator '
              '(tests/lab/emulator, MCX354A-QCBT MT_1090110018 2.40.5030 at %s, Gen3 x4)\n'
              '# tool: real, unmodified mstflint/mstconfig/mstvpd with LD_PRELOAD=libfakemlx.so; images from '
              'tests/lab/firmware/build_image.py\n# command: python3 tests/lab/capture_fixtures.py (the commands run in '
              'this order on one card; stdout+stderr, exit code appended)\n# ---\n' % (tool_version(), BDF))
    for name, commands in files.items():
        body = '\n'.join('## %d\n%s' % (i + 1, run(argv)) if i else run(argv) for i, argv in enumerate(commands))
        with open(os.path.join(OUT, name), 'w', encoding='utf-8') as handle:
            handle.write(header + body)
        print('wrote', os.path.join(OUT, name))
    subprocess.run(['rm', '-rf', root], check=True)


if __name__ == '__main__':
    main()
