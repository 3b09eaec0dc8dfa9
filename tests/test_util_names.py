"""Every public name of docassemble's interview API (``docassemble.base.util.__all__`` in
docassemble 1.10.5, written here as data) exists in an interview's namespace."""
from __future__ import annotations

import pytest

from bgkernel.library import namespace

UTIL_1_10_5 = (
    'Address', 'Asset', 'BackgroundAction', 'ChildList', 'City', 'DA', 'DABreadCrumbs',
    'DACloudStorage', 'DAContext', 'DADict', 'DAEmail', 'DAEmailRecipient',
    'DAEmailRecipientList', 'DAEmpty', 'DAFile', 'DAFileCollection', 'DAFileList', 'DAGlobal',
    'DAGoogleAPI', 'DALink', 'DAList', 'DAOAuth', 'DAObject', 'DAOrderedDict', 'DARedis',
    'DASet', 'DAStaticFile', 'DAStore', 'DATemplate', 'DAValidationError', 'DAWeb',
    'DAWebError', 'Event', 'Expense', 'FinancialList', 'Income', 'Individual', 'IndividualName',
    'LatitudeLongitude', 'MachineLearningEntry', 'Name', 'OfficeList', 'Organization',
    'PeriodicFinancialList', 'PeriodicValue', 'Person', 'RandomForestMachineLearner',
    'RelationshipTree', 'RoleChangeTracker', 'SVMMachineLearner', 'SimpleTextMachineLearner',
    'Thing', 'Value', 'action_argument', 'action_arguments', 'action_button_html',
    'action_menu_item', 'add_separators', 'all_variables', 'alpha', 'as_datetime',
    'assemble_docx', 'background_action', 'background_error_action', 'background_response',
    'background_response_action', 'bold', 'capitalize', 'chain', 'chat_partners_available',
    'clear_explanations', 'comma_and_list', 'comma_list', 'command', 'countries_list',
    'country_name', 'create_session', 'create_user', 'currency', 'currency_symbol',
    'current_context', 'current_datetime', 'date_difference', 'date_interval', 'day_of',
    'decode_name', 'define', 'defined', 'delete_record', 'device', 'dispatch',
    'docx_concatenate', 'dow_of', 'encode_name', 'explain', 'fix_punctuation', 'force_ask',
    'force_gather', 'forget_result_of', 'format_date', 'format_datetime', 'format_time',
    'from_b64_json', 'get_chat_log', 'get_config', 'get_country', 'get_default_timezone',
    'get_dialect', 'get_emails', 'get_info', 'get_language', 'get_locale', 'get_progress',
    'get_question_data', 'get_session_variables', 'get_sms_session', 'get_status',
    'get_user_info', 'get_user_list', 'get_user_secret', 'get_voice', 'go_back_in_session',
    'include_docx_template', 'indefinite_article', 'indent', 'initiate_sms_session',
    'interface', 'interview_email', 'interview_list', 'interview_menu', 'interview_url',
    'interview_url_action', 'interview_url_action_as_qr', 'interview_url_as_qr', 'invalidate',
    'invite_user', 'iso_country', 'italic', 'item_label', 'json', 'json_response',
    'language_from_browser', 'language_name', 'last_access_days', 'last_access_delta',
    'last_access_hours', 'last_access_minutes', 'last_access_time', 'location_known',
    'location_returned', 'log', 'logic_explanation', 'manage_privileges', 'map_of',
    'mark_task_as_performed', 'message', 'month_of', 'name_suffix', 'need', 'nice_number',
    'noun_plural', 'noun_singular', 'noyes', 'objects_from_file', 'ocr_file',
    'ocr_file_in_background', 'ordinal', 'ordinal_number', 'overlay_pdf', 'path_and_mimetype',
    'pdf_concatenate', 'period_list', 'phone_number_formatted', 'phone_number_in_e164',
    'phone_number_is_valid', 'phone_number_part', 'plain', 'prevent_going_back',
    'process_action', 'qr_code', 'quantity_noun', 'quote_paragraphs', 'raw', 're',
    're_run_logic', 'read_qr', 'read_records', 'reconsider', 'redact', 'referring_url',
    'response', 'retrieve_stashed_data', 'returning_user', 'roman', 'run_action_in_session',
    'run_python_module', 'selections', 'send_email', 'send_fax', 'send_sms',
    'server_capabilities', 'session_tags', 'set_country', 'set_info', 'set_language',
    'set_live_help_status', 'set_locale', 'set_parts', 'set_progress', 'set_save_status',
    'set_session_variables', 'set_status', 'set_task_counter', 'set_title', 'set_user_info',
    'set_variables', 'showif', 'showifdef', 'single_paragraph', 'single_to_double_newlines',
    'space_to_underscore', 'split', 'start_time', 'stash_data', 'state_name', 'states_list',
    'static_image', 'store_variables_snapshot', 'subdivision_type', 'task_not_yet_performed',
    'task_performed', 'terminate_sms_session', 'times_task_performed', 'timezone_list',
    'title_case', 'today', 'transform_json_variables', 'undefine', 'update_locale',
    'update_terms', 'url_action', 'url_ask', 'url_of', 'us', 'user_has_privilege', 'user_info',
    'user_lat_lon', 'user_logged_in', 'user_privileges', 'validation_error', 'value',
    'variables_as_json', 'verb_past', 'verb_present', 'verbatim', 'word', 'write_record',
    'year_of', 'yesno', 'zip_file'
)


def test_the_list_is_docassemble_1_10_5s():
    assert len(UTIL_1_10_5) == len(set(UTIL_1_10_5)) == 260


@pytest.mark.parametrize("name", sorted(UTIL_1_10_5))
def test_the_name_is_in_every_interview_namespace(name):
    assert name in namespace.builtins_dict()
