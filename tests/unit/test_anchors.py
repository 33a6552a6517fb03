# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A pattern that checks a whole value ends in \\Z, not $: Python's $ also matches before a final newline, and a
YAML block scalar (``|``) gives exactly such values ("vmbr0\\n" once walked past the management guard).

The first tests hold checks of a name, a path, an address, a pin or an option to a value with a trailing newline;
the scan keeps new ones honest: no pattern literal in plugins/, roles/ or playbooks/ is anchored at both ends with $
(the line parsers too end in \\Z: their lines come from splitlines(), where both mean the same), except with re.M.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

import pytest

from ansible_collections.homelab.connectx.plugins.module_utils import driver, firmware, ifupdown
from ansible_collections.homelab.connectx.plugins.modules import mlx_firmware_burn
from ansible_collections.homelab.connectx.plugins.action import connectx_ports

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


@pytest.mark.parametrize('pattern, good', [
    (ifupdown.IFNAME, 'vmbr0'),
    (ifupdown.PREFIX, 'connectx-'),
    (mlx_firmware_burn.BDF_RE, '0000:03:00.0'),
    (mlx_firmware_burn.SHA256_RE, 'a' * 64),
    (driver.MODULE_NAME, 'mlx4_ib'),
    (driver.OPTION_NAME, 'port_type_array'),
    (firmware._PORT_ATTR_RE, 'mlx4_port1'),
])
def test_a_value_with_a_trailing_newline_does_not_match(pattern, good):
    assert pattern.match(good)
    assert not pattern.match(good + '\n')


def test_an_option_value_with_a_trailing_newline_is_refused():
    assert driver.core_params({'log_num_mgm_entry_size': '-1'}) == ['log_num_mgm_entry_size=-1']
    with pytest.raises(ValueError):
        driver.core_params({'log_num_mgm_entry_size': '-1\n'})
    with pytest.raises(ValueError):
        driver.core_params({'port_type_array\n': '2,2'})


def test_a_setting_name_with_a_trailing_newline_is_refused():
    assert connectx_ports.settings_problems({'LINK_TYPE_P1\n': 'ETH'})


# A string literal that starts with ^ and ends with $ (a whole-value pattern written the old way).
WHOLE_VALUE_DOLLAR = re.compile(r"""r?(['"])\^[^'"\n]*(?<!\\)\$\1""")


def _files(top, suffix):
    for base, _dirs, names in os.walk(os.path.join(ROOT, top)):
        for name in names:
            if name.endswith(suffix):
                yield os.path.relpath(os.path.join(base, name), ROOT)


def test_no_whole_value_pattern_is_anchored_with_dollar():
    found = []
    for rel in list(_files('plugins', '.py')) + list(_files('roles', '.yml')) + list(_files('playbooks', '.yml')):
        with open(os.path.join(ROOT, rel), encoding='utf-8') as handle:
            for number, line in enumerate(handle, 1):
                if WHOLE_VALUE_DOLLAR.search(line) and 're.M' not in line:
                    found.append('%s:%d: %s' % (rel, number, line.strip()))
    assert not found, 'use \\Z instead of $ to end a pattern that checks a whole value:\n' + '\n'.join(found)
