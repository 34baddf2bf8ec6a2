import { describe, expect, it } from 'vitest';
import { parseClientMessage } from '../../source/protocol/messages.js';
import { toolFailure, toolResultFor, toolSuccess } from '../../source/protocol/tools.js';

describe('toolResultFor', () => {
  it('answers an unknown tool with Omnia error and Ultravox errorType "undefined" fields', () => {
    const answer = toolResultFor({ toolName: 'lookupOrder', invocationId: 'inv-7' }, new Set());
    expect(answer).toEqual({
      type: 'client_tool_result',
      invocationId: 'inv-7',
      error: 'omnia-voice has no client tool named "lookupOrder"',
      errorType: 'undefined',
      errorMessage: 'omnia-voice has no client tool named "lookupOrder"',
    });
    // The answer is a valid client message, so the server accepts it.
    expect(parseClientMessage(JSON.stringify(answer)).kind).toBe('message');
  });

  it('always answers when no tools are known', () => {
    const answer: { errorType?: string } = toolResultFor({ toolName: 'x', invocationId: 'i' });
    expect(answer.errorType).toBe('undefined');
  });

  it('leaves known tools to the caller', () => {
    expect(toolResultFor({ toolName: 'x', invocationId: 'i' }, new Set(['x']))).toBeUndefined();
  });

  it('sanitises a hostile tool name', () => {
    const answer = toolResultFor(
      { toolName: '\u001b]0;t\u0007a\nb', invocationId: 'i' },
      new Set(),
    );
    expect(answer?.errorMessage).toBe('omnia-voice has no client tool named "a b"');
  });
});

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
