import { describe, expect, it } from 'vitest';
import { parseClientMessage } from '../../source/protocol/messages.js';
import { toolFailure, toolSuccess } from '../../source/protocol/tools.js';

describe('toolSuccess and toolFailure', () => {
  it('a success carries only the result; a failure carries error, errorType and errorMessage', () => {
    expect(toolSuccess('i1', '{"ok":true}')).toEqual({
      type: 'client_tool_result',
      invocationId: 'i1',
      result: '{"ok":true}',
    });
    const failed = toolFailure('i2', 'timed out after 10 s');
    expect(failed).toEqual({
      type: 'client_tool_result',
      invocationId: 'i2',
      error: 'timed out after 10 s',
      errorType: 'implementation-error',
      errorMessage: 'timed out after 10 s',
    });
    const parsed = parseClientMessage(JSON.stringify(failed));
    expect(parsed.kind === 'message' && parsed.message).toMatchObject({
      error: 'timed out after 10 s',
    });
  });
});
