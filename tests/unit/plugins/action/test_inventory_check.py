# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The action plugin inventory_check itself (inputs.check is tested in test_inputs.py): a bad connectx_* variable
fails the task with its sentence, good ones pass and are listed, bad ``roles`` are refused, a variable that does not
template yet is left to the role."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from unittest import mock

from ansible.errors import AnsibleError
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task

from ansible_collections.homelab.connectx.plugins.action.inventory_check import ActionModule


class Templar(object):
    """Gives values back as they are; a string with '{{' cannot be templated (an undefined variable)."""

    def template(self, value):
        if isinstance(value, str) and '{{' in value:
            raise AnsibleError("'connectx_backup_dir' is undefined")
        return value


def run(task_vars, **args):
    task = Task()
    task.args = args
    action = ActionModule(task, mock.MagicMock(), PlayContext(), loader=mock.MagicMock(), templar=Templar(),
                          shared_loader_obj=None)
    return action.run(task_vars=dict(task_vars, inventory_hostname='pve2'))


def test_a_bad_variable_fails_the_task_with_its_sentence():
    result = run({'connectx_tool': 'flint', 'connectx_link_wait': 90})
    assert result['failed'] is True, result
    assert result['reason'] == 'inventory_invalid'
    assert result['msg'].startswith("pve2: connectx_tool is the string 'flint', but it must be one of mstflint, mft")
    assert result['msg'].endswith('Fix it where pve2 sets it. Nothing has been changed.')
    assert result['changed'] is False


def test_every_bad_variable_is_in_the_message():
    result = run({'connectx_tool': 'flint', 'connectx_iperf3': 'sometimes'})
    assert result['failed'] is True
    assert 'connectx_tool is' in result['msg'] and 'connectx_iperf3 is' in result['msg']


def test_good_variables_pass_and_are_listed():
    result = run({'connectx_tool': 'mstflint', 'connectx_link_wait': 90, 'connectx_firmare_image': 'fw.bin',
                  'connectx_cache': '{{ connectx_backup_dir }}/cache', 'other_variable': 'x'})
    assert not result.get('failed'), result
    assert result['changed'] is False
    assert result['checked'] == ['connectx_link_wait', 'connectx_tool']
    assert result['unread'] == ['connectx_cache']
    assert result['warnings'] and 'connectx_firmare_image' in result['warnings'][0]


def test_roles_that_are_not_the_collections_are_refused():
    result = run({'connectx_tool': 'mstflint'}, roles=['tools', 'no_such_role'])
    assert result['failed'] is True and result['reason'] == 'roles_invalid'
    assert 'no_such_role' in result['msg']
    result = run({'connectx_tool': 'mstflint'}, roles='tools')
    assert result['failed'] is True and result['reason'] == 'roles_invalid'


def test_only_the_named_roles_are_checked():
    # connectx_link_wait belongs to link_check: with roles=[tools] a bad value of it is not this check's business.
    result = run({'connectx_link_wait': 'soon'}, roles=['tools'])
    assert not result.get('failed'), result
    assert run({'connectx_link_wait': 'soon'}, roles=['link_check'])['failed'] is True
