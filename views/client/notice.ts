/**
 * The notice area's Dismiss (views/partials.ts noticePartial): a notice stays until read and put
 * away, and then gives its room back to the messages.
 */
export function dismissableNotices() {
  document.addEventListener('click', (e) => {
    const b = (e.target as HTMLElement).closest('button.dismiss');
    const area = b?.closest('.notice-area');
    if (area) area.replaceChildren();
  });
}
