# SPDX-License-Identifier: ISC
"""wazuh_model.py - the events Wazuh's aws-s3 module sends for CloudTrail.

Our own statement, in Python 3.10 (the Python Wazuh 4 embeds: run it with
CPython 3.10, whose repr() and re are the module's), of what the module
(v4.14.7, wodles/aws/buckets_s3/aws_bucket.py and cloudtrail.py) does to
each record of a CloudTrail document before json.dumps puts it on its
socket:

  1. AWSLogsBucket.load_information_from_file: json.load, then each
     element of "Records" as dict(record, source='cloudtrail').
  2. AWSBucket.get_alert_msg: {'integration': 'aws', 'aws': {'log_info':
     {'aws_account_alias': ALIAS, 'log_file': KEY, 's3bucket': BUCKET}}};
     None members removed from the event (through dicts, not lists); the
     event's members update msg['aws']; then aws_account_id, the account
     folder the module was walking.
  3. AWSBucket.reformat_msg: one-element lists become their element
     (through dicts, the whole message); source_ip_address copied from a
     sourceIPAddress that re.match(r'\\d+\\.\\d+.\\d+.\\d+') accepts; a
     non-dict tags becomes {'value': tags}.
  4. AWSCloudTrailBucket.reformat_msg: a non-dict additionalEventData,
     responseElements or requestParameters becomes {'string': str(it)}; a
     bool requestParameters.disableApiTermination becomes {'value': it}.
  5. json.dumps(msg, default=str).

getawslog's deliberate differences (getawslog.1, COMPATIBILITY), applied
here as separate, named steps so the model of the module stays the
module's: a non-finite number is written as the string "NaN", "Infinity"
or "-Infinity" (json.dumps would write bare NaN, which is not JSON); a
sourceIPAddress that is not a string gets no source_ip_address (the
module's re.match raises TypeError there and the module stops); the
document is read with lone surrogates kept (the module's UTF-8 reader
refuses the whole file).

As a program (python3.10 wazuh_model.py): reads a JSON array of jobs
{"doc": DOCUMENT as latin-1 text, "bucket", "key", "alias", "account"} on
stdin and writes a JSON array of results, each {"lines": [...],
"notes": [...]} or {"error": "..."}.
"""

import copy
import json
import math
import re
import sys

TEMPLATE = {'integration': 'aws',
            'aws': {'log_info': {'aws_account_alias': '', 'log_file': '',
                                 's3bucket': ''}}}
IP_RE = r'\d+\.\d+.\d+.\d+'


def load_records(doc):
    text = doc.decode('utf-8', 'surrogatepass')        # deliberate: see top
    data = json.loads(text)
    if 'Records' not in data:
        return None
    return [dict(x, source='cloudtrail') for x in data['Records']]


def remove_none_fields(event):
    for key, value in list(event.items()):
        if isinstance(value, dict):
            remove_none_fields(value)
        elif value is None:
            del event[key]


def alert_msg(event, bucket, key, alias, account):
    msg = copy.deepcopy(TEMPLATE)
    msg['aws']['log_info'].update({'aws_account_alias': alias,
                                   'log_file': key, 's3bucket': bucket})
    remove_none_fields(event)
    msg['aws'].update(event)
    msg['aws']['aws_account_id'] = account
    return msg


def single_element_lists(d):
    for name, value in list(d.items()):
        if isinstance(value, list) and len(value) == 1:
            d[name] = value[0]
        elif isinstance(value, dict):
            single_element_lists(value)


def reformat(msg, notes):
    single_element_lists(msg)
    aws = msg['aws']
    if 'sourceIPAddress' in aws:
        try:
            if re.match(IP_RE, aws['sourceIPAddress']):
                aws['source_ip_address'] = aws['sourceIPAddress']
        except TypeError:
            notes.append('sourceIPAddress not a string: the module stops')
    if 'tags' in aws and not isinstance(aws['tags'], dict):
        aws['tags'] = {'value': aws['tags']}
    for field in ('additionalEventData', 'responseElements',
                  'requestParameters'):
        if field in aws and not isinstance(aws[field], dict):
            aws[field] = {'string': str(aws[field])}
    if 'requestParameters' in aws:
        rp = aws['requestParameters']
        if 'disableApiTermination' in rp and \
                isinstance(rp['disableApiTermination'], bool):
            rp['disableApiTermination'] = {
                'value': rp['disableApiTermination']}
    return msg


def finite(v, notes):
    """Deliberate: non-finite numbers as strings, so the line is JSON."""
    if isinstance(v, dict):
        return {k: finite(x, notes) for k, x in v.items()}
    if isinstance(v, list):
        return [finite(x, notes) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        notes.append('non-finite number written as a string')
        return 'NaN' if math.isnan(v) else \
            ('Infinity' if v > 0 else '-Infinity')
    return v


def message(event, bucket, key, alias, account, notes):
    """The message for one event (a record with its source), with
    getawslog's deliberate differences applied."""
    msg = reformat(alert_msg(event, bucket, key, alias, account), notes)
    return finite(msg, notes)


def events(doc, bucket, key, alias='', account=''):
    """The lines (json.dumps) for one document, and the notes on where
    getawslog differs on purpose."""
    lines, notes = [], []
    for event in load_records(doc) or []:
        msg = message(event, bucket, key, alias, account, notes)
        lines.append(json.dumps(msg, default=str))
    return lines, notes


def main():
    out = []
    for job in json.load(sys.stdin):
        try:
            lines, notes = events(job['doc'].encode('latin-1'), job['bucket'],
                                  job['key'], job.get('alias', ''),
                                  job.get('account', ''))
            out.append({'lines': lines, 'notes': sorted(set(notes))})
        except (ValueError, TypeError, KeyError, AttributeError,
                RecursionError) as e:
            out.append({'error': '%s: %s' % (type(e).__name__, e)})
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
