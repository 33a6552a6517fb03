# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from module_harness import load_cases, check_case

from ansible_collections.homelab.connectx.plugins.modules import pve_reboot_guard as mod


@pytest.mark.parametrize('case', load_cases('pve_reboot_guard.yaml'))
def test_pve_reboot_guard(case, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(mod, 'POLL_S', 0)
    check_case(case, mod.main, tmp_path, monkeypatch, capsys, module=mod)
