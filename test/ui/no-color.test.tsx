import { afterEach, describe, expect, it, vi } from 'vitest';

// chalk decides its colour level when first imported: force colours on so the test can see
// them, then check that NO_COLOR still removes every colour the UI would have drawn.
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1';
});

const { FakeStore, renderApp, turn } = await import('./helpers.js');

const FOREGROUND = /\u001b\[(?:3[0-7]|9[0-7]|38;[0-9;]+)m/;

function colourfulStore() {
  return new FakeStore({
    turns: [turn({ role: 'user', text: 'hello' }), turn({ role: 'agent', text: 'hi there' })],
    micLevel: { rmsDb: -3, peakDb: -1, peakHoldDb: -1 },
    muted: true,
    userMuted: true,
    error: 'something failed',
  });
}

afterEach(() => {
  delete process.env.NO_COLOR;
});

describe('NO_COLOR', () => {
  it('uses colours by default', async () => {
    const r = await renderApp(colourfulStore(), { columns: 120, rows: 30 });
    expect(r.frame()).toMatch(FOREGROUND);
    r.unmount();
  });

  it('draws no colour at all when NO_COLOR is set, keeping the text', async () => {
    process.env.NO_COLOR = '1';
    const r = await renderApp(colourfulStore(), { columns: 120, rows: 30 });
    for (const frame of r.frames) expect(frame).not.toMatch(FOREGROUND);
    expect(r.frame()).toContain('hi there');
    expect(r.frame()).toContain('MUTED');
    expect(r.frame()).toContain('something failed');
    r.unmount();
  });
});
