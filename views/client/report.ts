/**
 * A member's Report: asks what a Report is about (views/chat.ts reportDialog): 'harm', 'concern', or '' (cancelled,
 * Escape included). Focus goes back to the Report button afterwards.
 */
export function askReport(from: HTMLElement): Promise<string> {
  const dialog = document.getElementById('report-dialog') as HTMLDialogElement | null;
  if (!dialog) return Promise.resolve(confirm('Report this message to the safeguarding team?') ? 'harm' : '');
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        from.focus();
        resolve(dialog.returnValue);
      },
      { once: true },
    );
  });
}
