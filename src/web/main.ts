import { signedInUserName } from './api.js';
import { jobsPage } from './jobsPage.js';
import { libraryPage } from './libraryPage.js';
import { playerPage } from './playerPage.js';
import { submitPage } from './submitPage.js';

const PAGES: Record<string, () => void | Promise<void>> = {
  library: libraryPage,
  submit: submitPage,
  jobs: jobsPage,
  watch: playerPage,
};

async function showUser(): Promise<void> {
  const slot = document.getElementById('user-name');
  const name = await signedInUserName();
  if (slot && name) slot.textContent = name;
}

void showUser();
void PAGES[document.body.dataset['page'] ?? '']?.();
