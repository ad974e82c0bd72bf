import { mount } from 'svelte';
import App from './app/App.svelte';
import QuizRoute from './app/quiz/QuizRoute.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('index.html lacks #app');
// ?quiz=<prepared-set-id> opens the recognition quiz alone (students' devices, the projector).
const search = new URLSearchParams(location.search);
const quiz = search.get('quiz');
const seed = search.get('seed');
export default quiz !== null
  ? mount(QuizRoute, { target, props: { id: quiz, seed: seed !== null && /^\d+$/.test(seed) ? Number(seed) : undefined } })
  : mount(App, { target });
