# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The link report templates only loop and print (plugin_utils/link_text.py works out the cells): no long lines."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import glob
import io
import os

from report_model import TEMPLATES

MAX_LINE = 200


def test_no_template_line_is_longer_than_200_characters():
    names = sorted(glob.glob(os.path.join(TEMPLATES, '*.j2')))
    assert [os.path.basename(n) for n in names] == ['links.html.j2', 'links.md.j2']
    long_lines = []
    for name in names:
        with io.open(name, encoding='utf-8') as handle:
            for number, line in enumerate(handle, 1):
                if len(line.rstrip('\n')) > MAX_LINE:
                    long_lines.append('%s:%d: %d characters' % (os.path.basename(name), number, len(line.rstrip('\n'))))
    assert not long_lines, 'work the text out in plugins/plugin_utils/link_text.py instead:\n' + '\n'.join(long_lines)
