/**
 * ?quiz=<names> in the page: the quiz built from shipped prepared sets. `names` is a comma list
 * of prepared set ids or model ids (a model id stands for all of that model's sets), looked up
 * in prepared/index.json. A name the index does not list falls back to prepared/<id>/quiz.json
 * (a quiz file written by "metamer quiz-set" and put beside the app).
 */
import { loadPreparedIndex, loadPreparedSet } from '../replay/load-prepared.ts';
import { quizSetFromPrepared, resolvePreparedQuizIds } from '../../export/quiz-from-prepared.ts';
import { fetchQuizSet, type QuizSet } from '../../export/quiz-set.ts';

export async function loadQuiz(names: string, base: string): Promise<{ set: QuizSet; baseUrl: string }> {
  const index = await loadPreparedIndex();
  let ids: string[];
  try {
    ids = resolvePreparedQuizIds(names, index);
  } catch (err) {
    // A single unlisted name may still be a quiz file placed beside the app; otherwise say what exists.
    if (names.includes(',')) throw err;
    try {
      return await fetchQuizSet(names.trim(), base);
    } catch {
      throw err;
    }
  }
  const sets = await Promise.all(ids.map((id) => loadPreparedSet(id)));
  return { set: quizSetFromPrepared(sets), baseUrl: '' };
}
